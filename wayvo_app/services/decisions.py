"""Approval use cases for application code and routes: list and read what a user may see, and
decide (one transaction, then wake the workers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wayvo_app.core.errors import NotFoundError
from wayvo_app.engine import wakeup
from wayvo_app.services import approvals
from wayvo_app.store import db
from wayvo_app.store.models import User, Workflow
from wayvo_app.store.users import user_by_name


def decide_approval(*, request_id: str, user_name: str, decision: str, comment: str | None = None) -> dict[str, Any]:
    """Decide as `user_name`; raises NotFoundError, ForbiddenError (403) or ConflictError (409)."""
    with db.session() as s:
        user = user_by_name(s, user_name)
        if user is None:
            raise NotFoundError(approvals.NOT_FOUND)
        request = approvals.decide(s, request_id, user, decision, comment)
        name = s.exec(select(Workflow.name).where(Workflow.id == request.workflow_id)).scalar()
        body = approvals.request_json(s, request, name)
    if body["status"] != "pending":
        wakeup.notify_work()
    return body


def list_approvals(*, user_id: str, status: str | None = None) -> list[dict[str, Any]]:
    """Requests the user may decide or has decided, pending first."""
    with db.read_session() as s:
        user = s.get(User, user_id)
        return [approvals.request_json(s, r, name) for r, name in approvals.list_for_user(s, user, status)]


def read_approval(*, request_id: str, user_id: str) -> dict[str, Any]:
    """One request the user may see; NotFoundError otherwise."""
    with db.read_session() as s:
        request = approvals.get_visible(s, request_id, s.get(User, user_id))
        name = s.exec(select(Workflow.name).where(Workflow.id == request.workflow_id)).scalar()
        return approvals.request_json(s, request, name)
