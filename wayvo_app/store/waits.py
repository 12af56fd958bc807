"""Queries of pauses: approval requests, wait events (with buffered signals) and child runs."""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import JSON, String, and_, bindparam, case, exists, func, literal, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import WaitForApproval, WaitForEvent
from wayvo_app.store import dialect
from wayvo_app.store.executions import (
    Claimed,
    claim_waiting_step,
    execution_with_user,
    success_outputs,
    touch_execution,
)
from wayvo_app.store.models import (
    ApprovalAudience,
    ApprovalDecision,
    ApprovalRequest,
    BufferedSignal,
    Execution,
    ExecutionStep,
    User,
    WaitEvent,
    Workspace,
    WorkspaceMember,
)
from wayvo_app.store.users import normalize_user_name


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def role_members(s: Session, roles: tuple[str, ...] | list[str]) -> list[str]:
    if not roles:
        return []
    wanted = set(roles)
    users = s.exec(select(User.user_name, User.roles).where(User.disabled.is_(False))).all()
    return sorted(name for name, user_roles in users if wanted & set(user_roles or ()))


_RESUME = (ExecutionStep.__table__.update()
           .where(ExecutionStep.__table__.c.id == bindparam("_id"), ExecutionStep.__table__.c.status == "waiting")
           .values(status="pending", run_at=bindparam("_now")))


def resume_waiting_step(s: Session, step_id: str, now: datetime) -> bool:
    """A decision, a signal or a finished child makes the waiting step due now; it resumes only
    if still waiting (a cancelled step stays cancelled: False). Workers are woken at commit. A
    table statement built once (no ORM session syncing: no step object is loaded here)."""
    done = s.connection().execute(_RESUME, {"_id": step_id, "_now": now})
    dialect.notify_work(s)
    return done.rowcount == 1


_TOUCH_RESUMED = (Execution.__table__.update().where(Execution.__table__.c.id == bindparam("_id"))
                  .values(updated_at=bindparam("_now"),
                          status=case((Execution.__table__.c.status == "paused", "running"),
                                      else_=Execution.__table__.c.status)))


def touch_resumed(s: Session, execution_id: str, now: datetime, resumed: bool) -> None:
    """The execution of a wait just settled: touched, and running again when its step resumed
    (core.progress's execution_status: queued work means running)."""
    if resumed:
        s.connection().execute(_TOUCH_RESUMED, {"_id": execution_id, "_now": now})
    else:
        touch_execution(s, execution_id, now)


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


def _wait_json(row: Any, status: str | None = None) -> dict[str, Any]:
    status = status or row.status
    return {"status": status, "payload": row.payload if status == "received" else None,
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


_W = WaitEvent.__table__
_E, _S, _U, _M = Execution.__table__, ExecutionStep.__table__, User.__table__, WorkspaceMember.__table__
_USER_COLUMNS = [c for c in _U.c if c.name != "password_hash"]  # the world's user: no hash in memory


@dataclass(frozen=True)
class Delivered:
    """What a signal did to the workspace's open wait for its pair: `member` is False when the
    sender is not in the workspace (nothing was touched); `wait_id` None when nothing waited.
    With a local owner, `claimed` is the resumed step claimed for it, and `execution`, `user`
    and `outputs` are what it needs to run (read in the same statement on PostgreSQL)."""

    member: bool
    wait_id: str | None = None
    execution_id: str | None = None
    claimed: Claimed | None = None
    execution: Any = None  # the execution's row (a plain record), its user's (no password hash)
    user: Any = None
    outputs: dict[str, Any] | None = None
    steps: list[tuple] | None = None  # the execution's step rows, read under its lock after the claim (PostgreSQL)
    user_id: str | None = None  # the sender, found by name (None: no such user)
    workspace_id: str | None = None  # the signal's workspace (given, or the sender's personal one)


def _deliver_statement(claim: bool, by_name: bool):
    """PostgreSQL, one round trip: the membership check, the wait taking the signal (UPDATE ...
    RETURNING; a concurrent signal waits for the row, then finds it received), the step resumed
    (claimed under the local worker's lease, or due now with a NOTIFY), the execution touched
    and, for a local worker, the execution, its user and the outputs of its successful steps.
    `by_name`: the sender is found by name (`_name`) and the workspace, when `_ws` is NULL, is
    their personal one, in the same statement."""
    if by_name:
        personal = (select(Workspace.id).join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
                    .where(WorkspaceMember.user_id == _U.c.id, Workspace.personal.is_(True))
                    .order_by(Workspace.created_at).limit(1).correlate(_U).scalar_subquery())
        sender = (select(_U.c.id.label("uid"), func.coalesce(bindparam("_ws", type_=String), personal).label("ws"))
                  .where(_U.c.user_name == bindparam("_name")).cte("sender"))
        uid, ws = select(sender.c.uid).scalar_subquery(), select(sender.c.ws).scalar_subquery()
    else:
        uid, ws = bindparam("_uid", type_=String), bindparam("_ws", type_=String)
    member = select(exists().where(_M.c.user_id == uid, _M.c.workspace_id == ws).label("ok"),
                    uid.label("uid"), ws.label("ws")).cte("m")
    wait = (_W.update().where(_W.c.workspace_id == select(member.c.ws).scalar_subquery(), _W.c.namespace == bindparam("_ns"),
                              _W.c.event_key == bindparam("_key"), _W.c.status == "waiting",
                              select(member.c.ok).scalar_subquery())
            .values(status="received", payload=bindparam("_payload", type_=JSON), received_at=bindparam("_now"),
                    received_from=bindparam("_source"))
            .returning(_W.c.id, _W.c.execution_id, _W.c.step_id).cte("w"))
    values = (dict(status="running", run_at=bindparam("_now"), lease_owner=bindparam("_owner"),
                   lease_expires_at=bindparam("_until"), started_at=bindparam("_now")) if claim
              else dict(status="pending", run_at=bindparam("_now")))
    step = (_S.update().where(_S.c.id == wait.c.step_id, _S.c.status == "waiting").values(**values)
            .returning(_S.c.id, _S.c.execution_id, _S.c.node_id, _S.c.attempt, _S.c.wait_kind, _S.c.recoveries)
            .cte("st"))
    # A resumed step is queued or running again, so its execution is running (core.progress's
    # execution_status); the step's record then finds the status right and needs no UPDATE.
    resumed = and_(_E.c.status == "paused", exists(select(step.c.id)))
    touched = (_E.update().where(_E.c.id == wait.c.execution_id)
               .values(updated_at=bindparam("_now"), status=case((resumed, "running"), else_=_E.c.status))
               .returning(*_E.c).cte("ex"))
    if not claim:  # wake listening workers at commit
        woken = select(func.count(func.pg_notify(dialect.WORK_CHANNEL, ""))).select_from(step).scalar_subquery()
        return (select(member.c.ok, wait.c.id, wait.c.execution_id, member.c.uid, member.c.ws, step.c.id, woken)
                .select_from(member.outerjoin(wait, true()).outerjoin(step, true())).add_cte(touched))
    # The resumed execution is noted for the transaction: `_RESUMED_STEPS`, the next statement,
    # reads its steps once this statement holds the execution's lock (a snapshot read inside this
    # statement could miss a step recorded while it waited for that lock).
    resumed_in_tx = func.set_config(RESUMED_SETTING, func.coalesce(wait.c.execution_id, ""), True)
    return (select(member.c.ok, wait.c.id, wait.c.execution_id, member.c.uid, member.c.ws, *step.c, *touched.c,
                   *_USER_COLUMNS, resumed_in_tx.label("resumed"))
            .select_from(member.outerjoin(wait, true()).outerjoin(step, true()).outerjoin(touched, true())
                         .outerjoin(_U, _U.c.id == touched.c.user_id)))


RESUMED_SETTING = "wayvo.resumed_execution"
# The resumed execution's step rows (as step_batches' snapshot reads them, then each row's id), read
# after the signal's statement in the same transaction and round trip.
_RESUMED_STEPS = dialect.fixed(f"""
SELECT execution_id, node_id, status, CAST(handles AS text), CAST(output AS text), finished_at, id
FROM execution_steps WHERE execution_id = current_setting('{RESUMED_SETTING}', true) ORDER BY attempt""")


@functools.lru_cache(maxsize=4)
def _deliver_fixed(by_name: bool) -> tuple[dialect.Fixed, dict[str, Any]]:
    """The claiming statement compiled once for psycopg (so that it can be pipelined with
    `_RESUMED_STEPS` and the transaction's BEGIN): its SQL and its constant parameters."""
    from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

    compiled = _DELIVER[(True, by_name)].compile(dialect=pg_psycopg.dialect())
    constants = {k: v for k, v in compiled.params.items() if not k.startswith("_")}
    return dialect.Fixed(None, compiled.string), constants


_DELIVER = {(claim, by_name): _deliver_statement(claim, by_name) for claim in (True, False) for by_name in (True, False)}


def _outputs(rows: list | None) -> dict[str, Any]:
    """The outputs of the latest successful attempt per node (as store.executions.Snapshot)."""
    outputs: dict[str, Any] = {}
    for node_id, status, output in rows or ():
        if status == "success":
            outputs[node_id] = output
        else:
            outputs.pop(node_id, None)
    return outputs


def deliver_to_wait(s: Session, user_id: str | None, workspace_id: str | None, namespace: str, key: str,
                    payload: Any, source: str | None, now: datetime, *, owner: str | None = None,
                    lease_until: datetime | None = None, user_name: str | None = None) -> Delivered:
    """The signal of `user_id` (or of the user named `user_name`) into `workspace_id` (None with a
    name: the sender's personal workspace): the workspace's open wait for the pair takes it and
    its step resumes (see Delivered). On PostgreSQL one statement (`_deliver_statement`)."""
    if not dialect.is_postgres(s):
        if user_name is not None:
            found = signal_sender(s, user_name, personal=workspace_id is None)
            if found is None or not (workspace_id or found[1]):
                return Delivered(False, user_id=found and found[0], workspace_id=workspace_id)
            user_id, workspace_id = found[0], workspace_id or found[1]
        return _deliver_portable(s, user_id, workspace_id, namespace, key, payload, source, now, owner, lease_until)
    params = {"_ws": workspace_id, "_ns": namespace, "_key": key, "_payload": payload, "_source": source, "_now": now}
    params.update({"_name": normalize_user_name(user_name)} if user_name is not None else {"_uid": user_id})
    if owner is not None:
        params.update(_owner=owner, _until=lease_until)
    if owner is None:
        row = s.connection().execute(_DELIVER[(False, user_name is not None)], params).one()
        return Delivered(bool(row[0]), row[1], row[2], user_id=row[3], workspace_id=row[4])
    fixed, constants = _deliver_fixed(user_name is not None)
    params.update(constants, _owner=owner, _until=lease_until, _payload=Json(payload))
    (_, (row,)), (_, steps) = dialect.pipelined(s.connection(), [(fixed, params), (_RESUMED_STEPS, {})])
    ok, wait_id, execution_id, sender, workspace_id = row[:5]
    found = Delivered(bool(ok), wait_id, execution_id, user_id=sender, workspace_id=workspace_id)
    if wait_id is None or row[5] is None:
        return found
    n_step, n_exec, n_user = len(_CLAIMED), len(_E.c), len(_USER_COLUMNS)
    claimed = Claimed(*row[5:5 + n_step])
    execution = SimpleNamespace(**dict(zip(_E.c.keys(), row[5 + n_step:5 + n_step + n_exec], strict=True)))
    values = row[5 + n_step + n_exec:5 + n_step + n_exec + n_user]
    user = SimpleNamespace(**dict(zip([c.name for c in _USER_COLUMNS], values, strict=True))) \
        if values[0] is not None else None
    return dataclasses.replace(found, claimed=claimed, execution=execution, user=user,
                               outputs=_outputs([(r[1], r[2], json.loads(r[4]) if r[2] == "success" else None)
                                                 for r in steps]), steps=steps)


_CLAIMED = ("id", "execution_id", "node_id", "attempt", "wait_kind", "recoveries")


def _deliver_portable(s, user_id, workspace_id, namespace, key, payload, source, now, owner, lease_until) -> Delivered:
    """SQLite: the same, one statement at a time (its write transactions are serialized)."""
    if s.exec(select(_M.c.id).where(_M.c.user_id == user_id, _M.c.workspace_id == workspace_id)).first() is None:
        return Delivered(False, user_id=user_id, workspace_id=workspace_id)
    row = s.connection().execute(
        _W.update().where(_W.c.workspace_id == workspace_id, _W.c.namespace == namespace,
                          _W.c.event_key == key, _W.c.status == "waiting")
        .values(status="received", payload=payload, received_at=now, received_from=source)
        .returning(_W.c.id, _W.c.execution_id, _W.c.step_id)).first()
    if row is None:
        return Delivered(True, user_id=user_id, workspace_id=workspace_id)
    wait_id, execution_id, step_id = row
    claimed = None
    if owner is not None:
        claimed = claim_waiting_step(s, step_id, owner, now, lease_until)
        resumed = claimed is not None
    else:
        resumed = s.exec(update(ExecutionStep).where(ExecutionStep.id == step_id, ExecutionStep.status == "waiting")
                         .values(status="pending", run_at=now)).rowcount == 1
    touch_execution(s, execution_id, now)
    if resumed:
        s.connection().execute(_E.update().where(_E.c.id == execution_id, _E.c.status == "paused")
                               .values(status="running"))
    pair = execution_with_user(s, execution_id) if claimed is not None else None
    if pair is None:
        return Delivered(True, wait_id, execution_id, claimed, user_id=user_id, workspace_id=workspace_id)
    return Delivered(True, wait_id, execution_id, claimed, pair[0], pair[1], success_outputs(s, execution_id),
                     user_id=user_id, workspace_id=workspace_id)


def received_json(delivered: Delivered, namespace: str, key: str, payload: Any, source: str | None,
                  now: datetime) -> dict[str, Any]:
    """The resumed wait's outcome as `event_resolution` reads it back, known without a read."""
    return {"status": "received", "payload": payload, "eventNamespace": namespace, "eventKey": key,
            "waitEventId": delivered.wait_id, "receivedAt": _iso(now), "receivedFrom": source}


_PERSONAL = (select(Workspace.id).join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
             .where(WorkspaceMember.user_id == _U.c.id, Workspace.personal.is_(True))
             .order_by(Workspace.created_at).limit(1).correlate(_U).scalar_subquery())
_SENDER = select(_U.c.id, _PERSONAL).where(_U.c.user_name == bindparam("_name"))
_SENDER_ONLY = select(_U.c.id, literal(None)).where(_U.c.user_name == bindparam("_name"))


def signal_sender(s: Session, user_name: str, *, personal: bool) -> tuple[str, str | None] | None:
    """A signal's sender by name (any case, disabled or not) and, with `personal`, the id of
    their personal workspace, in one query; None for an unknown name."""
    row = s.connection().execute(_SENDER if personal else _SENDER_ONLY,
                                 {"_name": normalize_user_name(user_name)}).first()
    return (row[0], row[1]) if row is not None else None


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


_EVENT_OF_STEP = select(WaitEvent.__table__).where(WaitEvent.__table__.c.step_id == bindparam("_step"))


def received_resolution(row: Any) -> dict[str, Any] | None:
    """`event_resolution(..., expire=False)` of a wait row already read: None while it waits."""
    return None if row is None or row.status == "waiting" else _wait_json(row)


def event_resolution(s: Session, step_id: str, now: datetime, *, expire: bool = True) -> dict[str, Any] | None:
    """The received signal; a wait still open at this point has expired (one update wins).
    With `expire=False` (a read-only look), an open wait gives None."""
    row = s.connection().execute(_EVENT_OF_STEP, {"_step": step_id}).first()
    if row is None:
        raise StepError("The wait event of this step is missing")
    if row.status != "waiting" or not expire:
        return received_resolution(row)
    done = s.exec(update(WaitEvent).where(WaitEvent.id == row.id, WaitEvent.status == "waiting")
                  .values(status="expired"))
    if done.rowcount == 1:
        return _wait_json(row, status="expired")
    return _wait_json(s.connection().execute(_EVENT_OF_STEP, {"_step": step_id}).first())


def child_resolution(s: Session, step_id: str) -> dict[str, Any]:
    child = s.exec(select(Execution).where(Execution.parent_step_id == step_id)
                   .order_by(Execution.started_at.desc())).scalars().first()
    if child is None:
        raise StepError("The child execution of this step is missing")
    return {"executionId": child.id, "status": child.status, "output": child.output, "error": child.error}


def move_waits(s: Session, step_id: str, new_step_id: str) -> None:
    """A resumed wait's step recovered as a new attempt (its worker stopped while resuming it):
    its wait, approval request or child run now belong to that attempt, which reads its outcome
    by its own id."""
    for table, column in ((WaitEvent.__table__, "step_id"), (ApprovalRequest.__table__, "step_id"),
                          (Execution.__table__, "parent_step_id")):
        s.connection().execute(table.update().where(table.c[column] == step_id).values({column: new_step_id}))


def cancel_waits(s: Session, execution_id: str, now: datetime) -> None:
    s.exec(update(ApprovalRequest).where(ApprovalRequest.execution_id == execution_id,
                                         ApprovalRequest.status == "pending")
           .values(status="cancelled", decided_at=now, updated_at=now))
    s.exec(update(WaitEvent).where(WaitEvent.execution_id == execution_id, WaitEvent.status == "waiting")
           .values(status="cancelled"))
