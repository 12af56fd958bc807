"""Approval use cases for application code and routes: list and read what a user may see, and
decide (one transaction, then wake the workers). A caller limited to one workspace (an API key)
sees and decides only that workspace's requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wayvo_app.core.errors import NotFoundError
from wayvo_app.engine import wakeup
from wayvo_app.services import access, approvals, handover
from wayvo_app.store import approvals as store_approvals
from wayvo_app.store import db
from wayvo_app.store.models import User, Workflow
from wayvo_app.store.users import user_by_name


def decide_approval(*, request_id: str, user_name: str, decision: str, comment: str | None = None,
                    workspace_id: str | None = None) -> dict[str, Any]:
    """Decide as `user_name` (only a request of `workspace_id` when given); raises NotFoundError,
    ForbiddenError (403) or ConflictError (409)."""
    runner, done, committed = wakeup.reserve_runner(), None, False  # a local worker takes the step at once
    try:
        with db.session() as s:
            read = store_approvals.request_for_decider(s, request_id, user_name)  # the request and the user at once
            user = read[2] if read is not None else user_by_name(s, user_name)
            if user is None:
                raise NotFoundError(approvals.NOT_FOUND)
            done = approvals.decide(s, request_id, user, decision, comment, only=workspace_id, runner=runner,
                                    read=read[:2] if read is not None else None)
            body = approvals.request_json(None, done.request, done.workflow_name, done.decisions)
        committed = True
    finally:
        handover.hand_over(runner, done.handed if committed and done is not None else [])
    if body["status"] != "pending" and not done.handed:
        wakeup.notify_work()
    return body


def _workspace_filter(who: Any, workspace_id: str | None) -> str | None:
    """`?workspaceId=` (approvers need not be members, so it only filters), or an API key's own
    workspace; a key asking for another workspace gets 404."""
    only = access.only_of(who)
    if only and workspace_id and workspace_id != only:
        raise NotFoundError("Workspace not found")
    return workspace_id or only


def list_approvals(*, user_id: Any, status: str | None = None, workspace_id: str | None = None) -> list[dict[str, Any]]:
    """Requests the caller may decide or has decided, pending first."""
    only = _workspace_filter(user_id, workspace_id)
    with db.read_session() as s:
        user = s.get(User, access.user_id_of(user_id))
        return [approvals.request_json(s, r, name)
                for r, name in approvals.list_for_user(s, user, status, workspace_id=only)]


def read_approval(*, request_id: str, user_id: Any) -> dict[str, Any]:
    """One request the caller may see; NotFoundError otherwise."""
    with db.read_session() as s:
        request = approvals.get_visible(s, request_id, s.get(User, access.user_id_of(user_id)),
                                        only=access.only_of(user_id))
        name = s.exec(select(Workflow.name).where(Workflow.id == request.workflow_id)).scalar()
        return approvals.request_json(s, request, name)
