"""Queries of executions and steps: claiming due work under a lease, fencing, states, outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from wayvo_app.core.progress import NodeState
from wayvo_app.store import dialect, starts
from wayvo_app.store.models import Execution, ExecutionLog, ExecutionStep, User, new_id

CLAIMABLE = ("pending", "waiting")
_E = Execution.__table__
_S = ExecutionStep.__table__


@dataclass(frozen=True)
class Claimed:
    id: str
    execution_id: str
    node_id: str
    attempt: int
    wait_kind: str | None
    recoveries: int
    world: Any = field(default=None, compare=False)  # set when claimed inline: no reload needed
    resolution: Any = field(default=None, compare=False)  # a resumed wait's decided outcome, read at claim


class LeaseLost(Exception):
    """The step's lease moved to another worker (or the step was cancelled): discard the result."""


_CLAIMED_COLUMNS = (_S.c.id, _S.c.execution_id, _S.c.node_id, _S.c.attempt, _S.c.wait_kind, _S.c.recoveries)


def claim_due(s: Session, owner: str, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
    """Take up to `limit` due steps (pending, or waiting whose time came) under a lease (FOR UPDATE
    SKIP LOCKED on PostgreSQL). The worker's claim on PostgreSQL is one statement that also reads
    the steps' worlds (store/step_batches.claim_with_worlds)."""
    T = ExecutionStep
    due = (select(T.id).where(T.status.in_(CLAIMABLE), T.run_at <= now)
           .order_by(T.run_at).limit(limit))
    ids = list(s.exec(dialect.claimable(s, due)).scalars())
    if not ids:
        return []
    s.exec(update(T).where(T.id.in_(ids), T.status.in_(CLAIMABLE)).values(
        status="running", lease_owner=owner, lease_expires_at=now + lease, started_at=now))
    rows = s.exec(select(T.id, T.execution_id, T.node_id, T.attempt, T.wait_kind, T.recoveries)
                  .where(T.id.in_(ids), T.lease_owner == owner, T.status == "running")).all()
    return [Claimed(*row) for row in rows]


def claim_waiting_step(s: Session, step_id: str, owner: str, now: datetime, until: datetime) -> Claimed | None:
    """A waiting step resumed and claimed at once by `owner` (a worker in the resuming process);
    None when the step was no longer waiting (cancelled meanwhile)."""
    row = s.connection().execute(
        _S.update().where(_S.c.id == step_id, _S.c.status == "waiting")
        .values(status="running", run_at=now, lease_owner=owner, lease_expires_at=until, started_at=now)
        .returning(*_CLAIMED_COLUMNS)).first()
    return Claimed(*row) if row is not None else None


def unclaim_step(s: Session, step_id: str, owner: str, now: datetime) -> None:
    """A step claimed for a worker that could not take it after all: due now for any worker."""
    s.connection().execute(_S.update().where(_S.c.id == step_id, _S.c.status == "running",
                                             _S.c.lease_owner == owner)
                           .values(status="pending", run_at=now, lease_owner=None, lease_expires_at=None))
    dialect.notify_work(s)


def renew_leases(s: Session, owner: str, step_ids: list[str], until: datetime) -> None:
    if step_ids:
        s.exec(update(ExecutionStep).where(ExecutionStep.id.in_(step_ids), ExecutionStep.lease_owner == owner,
                                           ExecutionStep.status == "running").values(lease_expires_at=until))


def release_leases(s: Session, owner: str, now: datetime) -> int:
    """A worker stopping with steps still running ends their leases now, so recovery hands them to
    another worker at once instead of after the lease time."""
    return s.exec(update(ExecutionStep).where(ExecutionStep.lease_owner == owner, ExecutionStep.status == "running")
                  .values(lease_expires_at=now)).rowcount


def expired_leases(s: Session, now: datetime, limit: int = 100) -> list[ExecutionStep]:
    T = ExecutionStep
    stmt = select(T).where(T.status == "running", T.lease_expires_at < now).limit(limit)
    return list(s.exec(dialect.claimable(s, stmt)).scalars())


def take_expired_step(s: Session, step_id: str, now: datetime, error: str) -> bool:
    """Mark a step whose lease expired as failed; False when its worker finished it meanwhile."""
    T = ExecutionStep
    took = s.exec(update(T).where(T.id == step_id, T.status == "running", T.lease_expires_at < now)
                  .values(status="error", error=error, finished_at=now, lease_expires_at=None))
    return took.rowcount == 1


def follow_error_edge(s: Session, step_id: str, error: str) -> None:
    """A step given up on (recovery) continues on its error edge, with the final message."""
    s.exec(update(ExecutionStep).where(ExecutionStep.id == step_id).values(handles=["error"], error=error))

# Hot-path statements built once (building SQLAlchemy constructs costs more than running them).
_LOCK = select(_E).where(_E.c.id == bindparam("_id"))
_LOCK_PG = _LOCK.with_for_update()
_FENCE = _S.update().where(_S.c.id == bindparam("_id"), _S.c.status == "running",
                           _S.c.lease_owner == bindparam("_owner"))
_TOUCH = _E.update().where(_E.c.id == bindparam("_id"))


def lock_execution(s: Session, execution_id: str) -> SimpleNamespace | None:
    """The execution row (a plain mutable record), locked on PostgreSQL so that completions of
    one execution serialize."""
    stmt = dialect.pick(s, postgres=_LOCK_PG, sqlite=_LOCK)
    row = s.connection().execute(stmt, {"_id": execution_id}).first()
    return SimpleNamespace(**row._mapping) if row else None


_LOCK_TOUCH = (_E.update().where(_E.c.id == bindparam("_id"), _E.c.status.in_(("running", "paused")))
               .values(updated_at=bindparam("_now")).returning(*_E.c))


def lock_running_execution(s: Session, execution_id: str, now: datetime) -> SimpleNamespace | None:
    """`lock_execution` and `touch_execution` in one statement (UPDATE ... RETURNING: the update
    takes the row lock), for an execution still running or paused; None otherwise."""
    row = s.connection().execute(_LOCK_TOUCH, {"_id": execution_id, "_now": now}).first()
    return SimpleNamespace(**row._mapping) if row else None


def fence_update(s: Session, step_id: str, owner: str, **values: Any) -> None:
    """Record a step's outcome only if this worker still holds its lease."""
    result = s.connection().execute(_FENCE, {"_id": step_id, "_owner": owner, **values})
    if result.rowcount != 1:
        raise LeaseLost(step_id)


@dataclass
class Snapshot:
    """An execution's latest attempt per node (status, handles) and the outputs of the successful
    ones, read once per transaction and kept current by the recorder."""

    states: dict[str, NodeState]
    outputs: dict[str, Any]
    finished: dict[str, datetime]

    def record(self, node_id: str, status: str, handles=(), output: Any = None,
               finished_at: datetime | None = None) -> None:
        self.states[node_id] = NodeState(status, tuple(handles or ()))
        if status == "success":
            self.outputs[node_id] = output
            self.finished[node_id] = finished_at
        else:
            self.outputs.pop(node_id, None)

    def last_output(self, exclude: str | None) -> Any:
        done = [(t, n) for n, t in self.finished.items() if n != exclude and n in self.outputs and t]
        return self.outputs[max(done)[1]] if done else None


_SNAPSHOT = (select(_S.c.node_id, _S.c.attempt, _S.c.status, _S.c.handles, _S.c.output, _S.c.finished_at)
             .where(_S.c.execution_id == bindparam("_id")).order_by(_S.c.attempt))


def snapshot(s: Session, execution_id: str) -> Snapshot:
    rows = s.connection().execute(_SNAPSHOT, {"_id": execution_id}).all()
    snap = Snapshot({}, {}, {})
    for node_id, _attempt, status, handles, output, finished_at in rows:
        snap.record(node_id, status, handles, output, finished_at)
    return snap


_SNAPSHOTS = (select(_S.c.execution_id, _S.c.node_id, _S.c.status, _S.c.handles, _S.c.output, _S.c.finished_at)
              .where(_S.c.execution_id.in_(bindparam("_ids", expanding=True))).order_by(_S.c.attempt))


def snapshots(s: Session, execution_ids: list[str]) -> dict[str, Snapshot]:
    """`snapshot` of several executions in one query (a claim batch)."""
    snaps = {execution_id: Snapshot({}, {}, {}) for execution_id in execution_ids}
    if execution_ids:
        for execution_id, node_id, status, handles, output, finished_at in s.connection().execute(
                _SNAPSHOTS, {"_ids": list(execution_ids)}):
            snaps[execution_id].record(node_id, status, handles, output, finished_at)
    return snaps


def success_outputs(s: Session, execution_id: str) -> dict[str, Any]:
    return snapshot(s, execution_id).outputs


def step_rows(execution_id: str, node_ids: list[str], now: datetime, *, status: str = "pending",
              owner: str | None = None, lease: timedelta | None = None, handles=None,
              attempt: int = 1, run_at: datetime | None = None) -> list[dict]:
    rows = []
    for node_id in node_ids:
        row = {"id": new_id(), "execution_id": execution_id, "node_id": node_id, "attempt": attempt,
               "status": status, "queued_at": now, "run_at": run_at or now, "recoveries": 0,
               "handles": handles, "wait_kind": None}
        if owner:
            row.update(lease_owner=owner, lease_expires_at=now + lease, started_at=now)
        if status == "skipped":
            row.update(finished_at=now, run_at=None)
        rows.append(row)
    return rows


_STEP_KEYS = starts.STEP_KEYS


def insert_steps(s: Session, rows: list[dict]) -> None:
    """One multi-row insert; every row gets the same keys (executemany needs that)."""
    if rows:
        uniform = [{key: row.get(key) for key in _STEP_KEYS} for row in rows]
        s.connection().execute(ExecutionStep.__table__.insert(), uniform)


def add_logs(s: Session, execution_id: str, step_id: str | None, node_id: str | None,
             lines: list[tuple[str, str]], now: datetime) -> None:
    if lines:
        s.connection().execute(ExecutionLog.__table__.insert(), [
            {"execution_id": execution_id, "step_id": step_id, "node_id": node_id, "level": level,
             "message": message, "created_at": now} for level, message in lines])


def add_log_rows(s: Session, rows: list[dict]) -> None:
    """Log lines of several steps (execution_id, step_id, node_id, level, message, created_at)."""
    if rows:
        s.connection().execute(ExecutionLog.__table__.insert(), rows)


def touch_execution(s: Session, execution_id: str, now: datetime, **values: Any) -> None:
    s.connection().execute(_TOUCH, {"_id": execution_id, "updated_at": now, **values})


def cancel_open_steps(s: Session, execution_id: str, now: datetime, reason: str) -> None:
    """Running steps too: the worker's late result then fails its fence (LeaseLost) and is
    discarded, and the viewer, which stops watching a finished execution, shows no step running."""
    s.exec(update(ExecutionStep).where(ExecutionStep.execution_id == execution_id,
                                       ExecutionStep.status.in_(("pending", "waiting", "running")))
           .values(status="cancelled", finished_at=now, error=reason, run_at=None))


def add_execution(s: Session, execution: Execution) -> Execution:
    """Insert a new execution row (flushed: its steps reference it)."""
    s.add(execution)
    s.flush()
    return execution


def insert_execution_with_steps(s: Session, execution: Execution, rows: list[dict], *, notify: bool) -> None:
    """A new execution row, its first steps and (with `notify`) the wake-up of listening workers:
    on PostgreSQL one statement of a fixed shape (store/starts.py), elsewhere one each. The
    execution stays a plain object (not added to the session)."""
    values = {c.name: getattr(execution, c.name) for c in _E.columns}
    starts.insert_execution(s.connection(), values, rows, notify=notify)


def get_execution(s: Session, execution_id: str) -> Execution | None:
    return s.get(Execution, execution_id)


def execution_with_user(s: Session, execution_id: str) -> tuple[Execution, User] | None:
    """The execution and the user it runs as, in one query."""
    row = s.exec(select(Execution, User).join(User, User.id == Execution.user_id)
                 .where(Execution.id == execution_id)).first()
    return (row[0], row[1]) if row else None


def executions_with_users(s: Session, execution_ids: list[str]) -> dict[str, tuple[Execution, User]]:
    """`execution_with_user` of several executions in one query (a claim batch)."""
    if not execution_ids:
        return {}
    rows = s.exec(select(Execution, User).join(User, User.id == Execution.user_id)
                  .where(Execution.id.in_(list(execution_ids)))).all()
    return {row[0].id: (row[0], row[1]) for row in rows}


def latest_attempts(s: Session, execution_id: str) -> dict[str, ExecutionStep]:
    """The latest attempt of each node of an execution."""
    rows = s.exec(select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)
                  .order_by(ExecutionStep.attempt)).scalars()
    latest: dict[str, ExecutionStep] = {}
    for row in rows:
        latest[row.node_id] = row
    return latest


def steps_of(s: Session, execution_id: str) -> list[ExecutionStep]:
    """Every attempt of every node of an execution, in the order they were queued; steps queued
    together (a start's trigger and first steps, parallel branches) in the order they finished,
    unfinished ones last (no index order decides: it changed with the indexes, see 0015)."""
    return list(s.exec(select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)
                       .order_by(ExecutionStep.queued_at, ExecutionStep.finished_at.is_(None),
                                 ExecutionStep.finished_at, ExecutionStep.attempt, ExecutionStep.id)).scalars())
