"""Queries of pauses: approval requests, wait events (with buffered signals) and child runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import WaitForApproval, WaitForEvent
from wayvo_app.store import dialect
from wayvo_app.store.executions import Claimed, claim_waiting_step, touch_execution
from wayvo_app.store.models import (
    ApprovalAudience,
    ApprovalDecision,
    ApprovalRequest,
    BufferedSignal,
    Execution,
    ExecutionStep,
    User,
    WaitEvent,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def role_members(s: Session, roles: tuple[str, ...] | list[str]) -> list[str]:
    if not roles:
        return []
    wanted = set(roles)
    users = s.exec(select(User.user_name, User.roles).where(User.disabled.is_(False))).all()
    return sorted(name for name, user_roles in users if wanted & set(user_roles or ()))


def resume_waiting_step(s: Session, step_id: str, now: datetime) -> None:
    """A decision, a signal or a finished child makes the waiting step due now; it resumes only
    if still waiting (a cancelled step stays cancelled). Workers are woken at commit."""
    s.exec(update(ExecutionStep).where(ExecutionStep.id == step_id, ExecutionStep.status == "waiting")
           .values(status="pending", run_at=now))
    dialect.notify_work(s)


def create_approval(s: Session, *, step: Any, execution: Execution, wait: WaitForApproval,
                    now: datetime) -> ApprovalRequest:
    """A pending request with its approvers resolved now (named users + role members)."""
    existing = {n for (n,) in s.exec(select(User.user_name).where(User.user_name.in_(wait.approvers))).all()}
    unknown = [name for name in wait.approvers if name not in existing]
    members = role_members(s, wait.approver_roles)
    eligible = sorted(existing | set(members))
    if not eligible:
        detail = f" (unknown users: {', '.join(unknown)})" if unknown else ""
        raise StepError(f"Request Approval has no approver: no existing user is named or holds the "
                        f"roles{detail}")
    default_all = len(existing) if existing else len(members)
    required = wait.required_approvals or (default_all if wait.approval_type == "all" else 1)
    required = max(1, min(required, len(eligible)))
    request = ApprovalRequest(
        execution_id=execution.id, step_id=step.id, node_id=step.node_id, workflow_id=execution.workflow_id,
        workspace_id=execution.workspace_id,
        title=wait.title[:500], description=wait.description or "", approval_type=wait.approval_type,
        approvers=list(wait.approvers), approver_roles=list(wait.approver_roles), eligible=eligible,
        required_approvals=required, context_data=wait.context_data, on_rejection=wait.on_rejection,
        on_expiration=wait.on_expiration, expires_at=wait.expires_at, created_at=now, updated_at=now)
    s.add(request)
    s.flush()
    audience = [("user", sorted(existing)), ("role", sorted(set(wait.approver_roles))), ("eligible", eligible)]
    s.exec(ApprovalAudience.__table__.insert(), params=[
        {"request_id": request.id, "kind": kind, "name": name} for kind, names in audience for name in names])
    return request


def decisions_json(s: Session, request_id: str) -> list[dict[str, Any]]:
    rows = s.exec(select(ApprovalDecision).where(ApprovalDecision.request_id == request_id)
                  .order_by(ApprovalDecision.created_at)).scalars()
    return [{"userName": d.user_name, "decision": d.decision, "comment": d.comment,
             "decidedAt": _iso(d.created_at)} for d in rows]


def approval_resolution(s: Session, step_id: str, now: datetime, *, expire: bool = True) -> dict[str, Any] | None:
    """The decided outcome; a request still pending at this point has expired (one update wins).
    With `expire=False` (a read-only look), a pending request gives None."""
    request = s.exec(select(ApprovalRequest).where(ApprovalRequest.step_id == step_id)).scalars().first()
    if request is None:
        raise StepError("The approval request of this step is missing")
    if request.status == "pending" and not expire:
        return None
    if request.status == "pending":
        done = s.exec(update(ApprovalRequest).where(ApprovalRequest.id == request.id,
                                                    ApprovalRequest.status == "pending")
                      .values(status="expired", decided_at=now, updated_at=now))
        if done.rowcount == 1:
            request.status = "expired"
        else:
            s.refresh(request)
    return {"status": request.status, "decisions": decisions_json(s, request.id),
            "approvalRequestId": request.id}


def _wait_json(row: WaitEvent) -> dict[str, Any]:
    return {"status": row.status, "payload": row.payload if row.status == "received" else None,
            "eventNamespace": row.namespace, "eventKey": row.event_key, "waitEventId": row.id,
            "receivedAt": _iso(row.received_at), "receivedFrom": row.received_from}


def create_wait_event(s: Session, *, step: Any, wait: WaitForEvent, now: datetime) -> WaitEvent:
    """Register the wait; a buffered signal for the pair is consumed at once (status received)."""
    workspace_id = s.exec(select(Execution.workspace_id).where(Execution.id == step.execution_id)).scalar()
    row = WaitEvent(execution_id=step.execution_id, step_id=step.id, node_id=step.node_id, workspace_id=workspace_id,
                    namespace=wait.namespace, event_key=wait.key, title=wait.title, description=wait.description,
                    context_data=wait.context_data, on_expiration=wait.on_expiration,
                    expires_at=wait.expires_at, created_at=now)
    buffered = _take_buffered(s, workspace_id, wait.namespace, wait.key, row.id, now)
    if buffered is not None:
        row.status, row.payload = "received", buffered.payload
        row.received_at, row.received_from = buffered.created_at, buffered.received_from
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        holder = s.exec(select(WaitEvent.execution_id).where(
            WaitEvent.workspace_id == workspace_id, WaitEvent.namespace == wait.namespace, WaitEvent.event_key == wait.key,
            WaitEvent.status == "waiting")).scalar()
        raise StepError(f'Another execution ({holder}) is already waiting for event '
                        f'"{wait.namespace}" / "{wait.key}"')
    return row


def _take_buffered(s: Session, workspace_id: str, namespace: str, key: str, wait_id: str,
                   now: datetime) -> BufferedSignal | None:
    """The oldest live signal buffered in the same workspace; another workspace's never matches."""
    B = BufferedSignal
    candidates = s.exec(select(B).where(B.workspace_id == workspace_id, B.namespace == namespace, B.event_key == key, B.consumed_at.is_(None),
                                        B.expires_at > now).order_by(B.created_at)).scalars().all()
    for signal in candidates:
        taken = s.exec(update(B).where(B.id == signal.id, B.consumed_at.is_(None))
                       .values(consumed_at=now, consumed_by=wait_id))
        if taken.rowcount == 1:
            return signal
    return None


def waiting_event(s: Session, workspace_id: str, namespace: str, key: str) -> WaitEvent | None:
    """The workspace's open wait for (namespace, key), locked so that one signal resumes it."""
    stmt = (select(WaitEvent)
            .where(WaitEvent.workspace_id == workspace_id, WaitEvent.namespace == namespace,
                   WaitEvent.event_key == key, WaitEvent.status == "waiting"))
    return s.exec(dialect.locked(s, stmt, of=WaitEvent)).scalars().first()


def receive_event(s: Session, row: WaitEvent, payload: Any, source: str | None, now: datetime) -> bool:
    """Deliver a signal to the wait (one conditional update wins against an expiry) and resume
    its step; False when the wait was no longer open."""
    done = s.exec(update(WaitEvent).where(WaitEvent.id == row.id, WaitEvent.status == "waiting")
                  .values(status="received", payload=payload, received_at=now, received_from=source))
    if done.rowcount != 1:
        return False
    resume_waiting_step(s, row.step_id, now)
    touch_execution(s, row.execution_id, now)
    return True


_W = WaitEvent.__table__


def receive_waiting_event(s: Session, workspace_id: str, namespace: str, key: str, payload: Any,
                          source: str | None, now: datetime, *, owner: str | None = None,
                          lease_until: datetime | None = None) -> tuple[str, str, Claimed | None] | None:
    """`waiting_event` and `receive_event` in one statement: the workspace's open wait for the
    pair takes the signal (UPDATE ... RETURNING; a concurrent signal waits for the row and then
    finds it received), and its step resumes: due now for any worker, or, with `owner`, claimed
    under that worker's lease in this transaction (it is handed the step after the commit).
    (wait id, execution id, the claimed step or None), or None when nothing waits."""
    row = s.connection().execute(
        _W.update().where(_W.c.workspace_id == workspace_id, _W.c.namespace == namespace,
                          _W.c.event_key == key, _W.c.status == "waiting")
        .values(status="received", payload=payload, received_at=now, received_from=source)
        .returning(_W.c.id, _W.c.execution_id, _W.c.step_id)).first()
    if row is None:
        return None
    claimed = None
    if owner is not None:
        claimed = claim_waiting_step(s, row.step_id, owner, now, lease_until)
    else:
        resume_waiting_step(s, row.step_id, now)
    touch_execution(s, row.execution_id, now)
    return row.id, row.execution_id, claimed


def last_event_status(s: Session, workspace_id: str, namespace: str, key: str) -> str | None:
    """The status of the workspace's latest wait for (namespace, key), if any."""
    return s.exec(select(WaitEvent.status)
                  .where(WaitEvent.workspace_id == workspace_id, WaitEvent.namespace == namespace,
                         WaitEvent.event_key == key)
                  .order_by(WaitEvent.created_at.desc()).limit(1)).scalar()


def buffer_signal(s: Session, *, workspace_id: str, namespace: str, key: str, payload: Any, source: str | None,
                  user_id: str, now: datetime, expires_at: datetime) -> BufferedSignal:
    """Keep an early signal until a wait of the same workspace for the pair registers (or it expires)."""
    signal = BufferedSignal(workspace_id=workspace_id, namespace=namespace, event_key=key, payload=payload,
                            received_from=source, user_id=user_id, created_at=now, expires_at=expires_at)
    s.add(signal)
    return signal


def unconsumed_signals(s: Session, workspace_id: str, now: datetime) -> int:
    """How many live buffered signals of the workspace still wait for their wait."""
    B = BufferedSignal
    return s.exec(select(func.count()).select_from(B).where(B.workspace_id == workspace_id,
                                                            B.consumed_at.is_(None), B.expires_at > now)).scalar_one()


def event_resolution(s: Session, step_id: str, now: datetime, *, expire: bool = True) -> dict[str, Any] | None:
    """The received signal; a wait still open at this point has expired (one update wins).
    With `expire=False` (a read-only look), an open wait gives None."""
    row = s.exec(select(WaitEvent).where(WaitEvent.step_id == step_id)).scalars().first()
    if row is None:
        raise StepError("The wait event of this step is missing")
    if row.status == "waiting" and not expire:
        return None
    if row.status == "waiting":
        done = s.exec(update(WaitEvent).where(WaitEvent.id == row.id, WaitEvent.status == "waiting")
                      .values(status="expired"))
        if done.rowcount == 1:
            row.status = "expired"
        else:
            s.refresh(row)
    return _wait_json(row)


def child_resolution(s: Session, step_id: str) -> dict[str, Any]:
    child = s.exec(select(Execution).where(Execution.parent_step_id == step_id)
                   .order_by(Execution.started_at.desc())).scalars().first()
    if child is None:
        raise StepError("The child execution of this step is missing")
    return {"executionId": child.id, "status": child.status, "output": child.output, "error": child.error}


def cancel_waits(s: Session, execution_id: str, now: datetime) -> None:
    s.exec(update(ApprovalRequest).where(ApprovalRequest.execution_id == execution_id,
                                         ApprovalRequest.status == "pending")
           .values(status="cancelled", decided_at=now, updated_at=now))
    s.exec(update(WaitEvent).where(WaitEvent.execution_id == execution_id, WaitEvent.status == "waiting")
           .values(status="cancelled"))
