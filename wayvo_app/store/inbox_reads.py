"""Reads of approval requests and decisions for the approvals inbox: who started each execution,
the decisions of requests, the requests of a user's own workflows, pending ones addressed to a user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.store.models import ApprovalDecision, ApprovalRequest, Execution, User, Workflow
from wayvo_app.store.workspaces import workspaces_of


def execution_starters(s: Session, execution_ids: set[str]) -> list[tuple[str, str | None, str | None, str]]:
    """(execution id, trigger type, user's display name, user name) of each execution."""
    if not execution_ids:
        return []
    rows = s.exec(select(Execution.id, Execution.trigger_type, User.display_name, User.user_name)
                  .join(User, User.id == Execution.user_id).where(Execution.id.in_(execution_ids))).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def decisions_by_request(s: Session, request_ids: set[str]) -> dict[str, list[tuple[str, str, datetime]]]:
    """(user name, decision, when) of each request, oldest first."""
    found: dict[str, list[tuple[str, str, datetime]]] = {}
    if request_ids:
        rows = s.exec(select(ApprovalDecision.request_id, ApprovalDecision.user_name, ApprovalDecision.decision,
                             ApprovalDecision.created_at)
                      .where(ApprovalDecision.request_id.in_(request_ids))
                      .order_by(ApprovalDecision.created_at)).all()
        for request_id, name, decision, when in rows:
            found.setdefault(request_id, []).append((name, decision, when))
    return found


def display_names(s: Session, user_names: set[str]) -> dict[str, str]:
    """The display name of each user name that has one."""
    if not user_names:
        return {}
    rows = s.exec(select(User.user_name, User.display_name).where(User.user_name.in_(user_names))).all()
    return {name: display for name, display in rows if display}


def requests_of_owner(s: Session, owner_id: str, limit: int) -> list[tuple[ApprovalRequest, str]]:
    """Requests raised in the workspaces where the user is an operator or above, newest first,
    with the workflow's name."""
    rows = s.exec(select(ApprovalRequest, Workflow.name).join(Workflow, Workflow.id == ApprovalRequest.workflow_id)
                  .where(ApprovalRequest.workspace_id.in_(workspaces_of(owner_id, "operator")))
                  .order_by(ApprovalRequest.created_at.desc()).limit(limit)).all()
    return [(request, name) for request, name in rows]


def pending_requests_among(s: Session, request_ids: Any, limit: int = 5000) -> list[ApprovalRequest]:
    """Pending requests whose id is in `request_ids` (a list or a subquery), newest first."""
    return list(s.exec(select(ApprovalRequest).where(ApprovalRequest.status == "pending",
                                                     ApprovalRequest.id.in_(request_ids))
                       .order_by(ApprovalRequest.created_at.desc()).limit(limit)).scalars())


def requests_decided_by(s: Session, user_name: str, request_ids: list[str]) -> set[str]:
    """Which of these requests the user has already decided."""
    if not request_ids:
        return set()
    return set(s.exec(select(ApprovalDecision.request_id).where(
        ApprovalDecision.user_name == user_name, ApprovalDecision.request_id.in_(request_ids))).scalars())
