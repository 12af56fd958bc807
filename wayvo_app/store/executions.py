"""Queries of executions and steps: claiming due work under a lease, fencing, states, outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from wayvo_app.core.progress import NodeState
from wayvo_app.store.models import Execution, ExecutionLog, ExecutionStep, new_id

CLAIMABLE = ("pending", "waiting")
WORK_CHANNEL = "wayvo_work"


@dataclass(frozen=True)
class Claimed:
    id: str
    execution_id: str
    node_id: str
    attempt: int
    wait_kind: str | None
    recoveries: int
    world: Any = field(default=None, compare=False)  # set when claimed inline: no reload needed


class LeaseLost(Exception):
    """The step's lease moved to another worker (or the step was cancelled): discard the result."""


def _is_postgres(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def claim_due(s: Session, owner: str, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
    """Take up to `limit` due steps (pending, or waiting whose time came) under a lease."""
    T = ExecutionStep
    due = (select(T.id).where(T.status.in_(CLAIMABLE), T.run_at <= now)
           .order_by(T.run_at).limit(limit))
    if _is_postgres(s):
        due = due.with_for_update(skip_locked=True)
    ids = list(s.exec(due).scalars())
    if not ids:
        return []
    s.exec(update(T).where(T.id.in_(ids), T.status.in_(CLAIMABLE)).values(
        status="running", lease_owner=owner, lease_expires_at=now + lease, started_at=now))
    rows = s.exec(select(T.id, T.execution_id, T.node_id, T.attempt, T.wait_kind, T.recoveries)
                  .where(T.id.in_(ids), T.lease_owner == owner, T.status == "running")).all()
    return [Claimed(*row) for row in rows]



def renew_leases(s: Session, owner: str, step_ids: list[str], until: datetime) -> None:
    if step_ids:
        s.exec(update(ExecutionStep).where(ExecutionStep.id.in_(step_ids), ExecutionStep.lease_owner == owner,
                                           ExecutionStep.status == "running").values(lease_expires_at=until))


def expired_leases(s: Session, now: datetime, limit: int = 100) -> list[ExecutionStep]:
    T = ExecutionStep
    stmt = select(T).where(T.status == "running", T.lease_expires_at < now).limit(limit)
    if _is_postgres(s):
        stmt = stmt.with_for_update(skip_locked=True)
    return list(s.exec(stmt).scalars())


_E = Execution.__table__
_S = ExecutionStep.__table__
# Hot-path statements built once (building SQLAlchemy constructs costs more than running them).
_LOCK = select(_E).where(_E.c.id == bindparam("_id"))
_LOCK_PG = _LOCK.with_for_update()
_FENCE = _S.update().where(_S.c.id == bindparam("_id"), _S.c.status == "running",
                           _S.c.lease_owner == bindparam("_owner"))
_TOUCH = _E.update().where(_E.c.id == bindparam("_id"))


def lock_execution(s: Session, execution_id: str) -> SimpleNamespace | None:
    """The execution row (a plain mutable record), locked on PostgreSQL so that completions of
    one execution serialize."""
    row = s.connection().execute(_LOCK_PG if _is_postgres(s) else _LOCK, {"_id": execution_id}).first()
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


_STEP_KEYS = ("id", "execution_id", "node_id", "attempt", "status", "handles", "input", "output", "error",
              "wait_kind", "recoveries", "queued_at", "run_at", "started_at", "finished_at", "lease_owner",
              "lease_expires_at")


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


def touch_execution(s: Session, execution_id: str, now: datetime, **values: Any) -> None:
    s.connection().execute(_TOUCH, {"_id": execution_id, "updated_at": now, **values})


def cancel_open_steps(s: Session, execution_id: str, now: datetime, reason: str) -> None:
    """Running steps too: the worker's late result then fails its fence (LeaseLost) and is
    discarded, and the viewer, which stops watching a finished execution, shows no step running."""
    s.exec(update(ExecutionStep).where(ExecutionStep.execution_id == execution_id,
                                       ExecutionStep.status.in_(("pending", "waiting", "running")))
           .values(status="cancelled", finished_at=now, error=reason, run_at=None))


def notify_work(s: Session) -> None:
    """On PostgreSQL, wake listening workers when this transaction commits (NOTIFY is
    transactional and deduplicated per transaction); a no-op elsewhere."""
    if _is_postgres(s):
        s.connection().exec_driver_sql(f"NOTIFY {WORK_CHANNEL}")


def steps_of(s: Session, execution_id: str) -> list[ExecutionStep]:
    """Every attempt of every node of an execution, in the order they were queued."""
    return list(s.exec(select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)
                       .order_by(ExecutionStep.queued_at, ExecutionStep.attempt)).scalars())
