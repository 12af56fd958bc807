"""Statements on approval requests, their decisions and audiences (created by store/waits.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, case, or_, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from wayvo_app.store import dialect
from wayvo_app.store.models import ApprovalAudience, ApprovalDecision, ApprovalRequest, User, Workflow, new_id
from wayvo_app.store.users import normalize_user_name


def approval_request(s: Session, request_id: str, *, lock: bool = False) -> ApprovalRequest | None:
    """The request; with `lock`, decisions on it serialize (PostgreSQL row lock)."""
    stmt = select(ApprovalRequest).where(ApprovalRequest.id == request_id)
    return s.exec(dialect.locked(s, stmt) if lock else stmt).scalars().first()


# The statements of a decision, built once (a decision is a hot path of the API).
_WITH_NAME = (select(ApprovalRequest, Workflow.name).outerjoin(Workflow, Workflow.id == ApprovalRequest.workflow_id)
              .where(ApprovalRequest.id == bindparam("request_id")))
_WITH_NAME_LOCKED = _WITH_NAME.with_for_update(of=ApprovalRequest)
_FOR_DECIDER = (select(ApprovalRequest, Workflow.name, User)
                .outerjoin(Workflow, Workflow.id == ApprovalRequest.workflow_id)
                .outerjoin(User, User.user_name == bindparam("user_name"))
                .where(ApprovalRequest.id == bindparam("request_id")))
_FOR_DECIDER_LOCKED = _FOR_DECIDER.with_for_update(of=ApprovalRequest)
_D = ApprovalDecision.__table__
_DECISIONS = (select(_D.c.user_name, _D.c.decision, _D.c.comment, _D.c.created_at)
              .where(_D.c.request_id == bindparam("request_id")).order_by(_D.c.created_at))
_R = ApprovalRequest.__table__
_PENDING = _R.update().where(_R.c.id == bindparam("request_id"), _R.c.status == "pending")
_TOUCH = _PENDING.values(updated_at=bindparam("now"))
_DECIDE = _PENDING.values(status=bindparam("final"), decided_at=bindparam("now"), updated_at=bindparam("now"))


def approval_request_with_name(s: Session, request_id: str) -> tuple[ApprovalRequest, str | None] | None:
    """The request, locked so that decisions on it serialize, and its workflow's name (one query)."""
    stmt = dialect.pick(s, postgres=_WITH_NAME_LOCKED, sqlite=_WITH_NAME)
    row = s.exec(stmt, params={"request_id": request_id}).first()
    return (row[0], row[1]) if row is not None else None


def request_for_decider(s: Session, request_id: str, user_name: str) -> tuple[ApprovalRequest, str | None,
                                                                        User | None] | None:
    """approval_request_with_name and the user named `user_name` (normalized; None when there is
    none) in one query; None when there is no such request."""
    stmt = dialect.pick(s, postgres=_FOR_DECIDER_LOCKED, sqlite=_FOR_DECIDER)
    row = s.exec(stmt, params={"request_id": request_id, "user_name": normalize_user_name(user_name)}).first()
    return (row[0], row[1], row[2]) if row is not None else None


def decisions_so_far(s: Session, request_id: str) -> list[tuple[str, str, str | None, datetime]]:
    """(user name, decision, comment, when) of each decision on the request, oldest first."""
    return list(s.connection().execute(_DECISIONS, {"request_id": request_id}).all())


def add_decision(s: Session, request_id: str, user_name: str, decision: str, comment: str | None,
                 now: datetime) -> None:
    s.connection().execute(ApprovalDecision.__table__.insert(), {
        "id": new_id(), "request_id": request_id, "user_name": user_name, "decision": decision, "comment": comment,
        "created_at": now})


def settle_request(s: Session, request: ApprovalRequest, final: str | None, now: datetime) -> bool:
    """Touch a pending request, deciding it when `final` is given; False when it was no longer
    pending (another decision or the expiry won). The loaded `request` says what was written,
    as loaded state (nothing left for the session to flush)."""
    stmt, params = (_DECIDE, {"final": final}) if final else (_TOUCH, {})
    done = s.connection().execute(stmt, {"request_id": request.id, "now": now, **params})
    if done.rowcount != 1:
        return False
    set_committed_value(request, "updated_at", now)
    if final:
        set_committed_value(request, "status", final)
        set_committed_value(request, "decided_at", now)
    return True


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
