"""Statements on approval requests, their decisions and audiences (created by store/waits.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlmodel import Session

from wayvo_app.store import dialect
from wayvo_app.store.models import ApprovalAudience, ApprovalDecision, ApprovalRequest, User, Workflow, new_id


def approval_request(s: Session, request_id: str, *, lock: bool = False) -> ApprovalRequest | None:
    """The request; with `lock`, decisions on it serialize (PostgreSQL row lock)."""
    stmt = select(ApprovalRequest).where(ApprovalRequest.id == request_id)
    return s.exec(dialect.locked(s, stmt) if lock else stmt).scalars().first()


def approval_request_with_name(s: Session, request_id: str) -> tuple[ApprovalRequest, str | None] | None:
    """The request, locked so that decisions on it serialize, and its workflow's name (one query)."""
    stmt = (select(ApprovalRequest, Workflow.name).outerjoin(Workflow, Workflow.id == ApprovalRequest.workflow_id)
            .where(ApprovalRequest.id == request_id))
    row = s.exec(dialect.locked(s, stmt, of=ApprovalRequest)).first()
    return (row[0], row[1]) if row is not None else None


def decisions_so_far(s: Session, request_id: str) -> list[tuple[str, str, str | None, datetime]]:
    """(user name, decision, comment, when) of each decision on the request, oldest first."""
    return list(s.exec(select(ApprovalDecision.user_name, ApprovalDecision.decision, ApprovalDecision.comment,
                              ApprovalDecision.created_at)
                       .where(ApprovalDecision.request_id == request_id)
                       .order_by(ApprovalDecision.created_at)).all())


def add_decision(s: Session, request_id: str, user_name: str, decision: str, comment: str | None,
                 now: datetime) -> None:
    s.connection().execute(ApprovalDecision.__table__.insert(), {
        "id": new_id(), "request_id": request_id, "user_name": user_name, "decision": decision, "comment": comment,
        "created_at": now})


def settle_request(s: Session, request_id: str, final: str | None, now: datetime) -> bool:
    """Touch a pending request, deciding it when `final` is given; False when it was no longer
    pending (another decision or the expiry won)."""
    values: dict[str, Any] = {"updated_at": now}
    if final:
        values.update(status=final, decided_at=now)
    done = s.exec(update(ApprovalRequest).where(ApprovalRequest.id == request_id,
                                                ApprovalRequest.status == "pending").values(**values))
    return done.rowcount == 1


def audience_ids(user: User):
    """A subquery of the ids of requests addressed to the user: by name, by one of their roles,
    or resolved to them at creation."""
    by_name = and_(ApprovalAudience.kind.in_(("user", "eligible")), ApprovalAudience.name == user.user_name)
    by_role = and_(ApprovalAudience.kind == "role", ApprovalAudience.name.in_(list(user.roles or ())))
    return select(ApprovalAudience.request_id).where(or_(by_name, by_role))


def requests_for_user(s: Session, user: User, status: str | None = None, limit: int = 500,
                      workspace_id: str | None = None) -> list[tuple]:
    """(request, workflow name) the user may decide or has decided (of one workspace when given),
    pending first, newest first."""
    decided = select(ApprovalDecision.request_id).where(ApprovalDecision.user_name == user.user_name)
    stmt = (select(ApprovalRequest, Workflow.name).join(Workflow, Workflow.id == ApprovalRequest.workflow_id)
            .where(or_(ApprovalRequest.id.in_(audience_ids(user)), ApprovalRequest.id.in_(decided))))
    if status:
        stmt = stmt.where(ApprovalRequest.status == status)
    if workspace_id:
        stmt = stmt.where(ApprovalRequest.workspace_id == workspace_id)
    pending_first = case((ApprovalRequest.status == "pending", 0), else_=1)
    return list(s.exec(stmt.order_by(pending_first, ApprovalRequest.created_at.desc()).limit(limit)).all())
