"""Moves an execution forward after a step settles: successors, derived status, a waiting
parent, failure. Used by the recorder, recovery and the execution services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.progress import execution_status, plan_after
from wayvo_app.engine import metrics
from wayvo_app.engine.loader import StepWorld
from wayvo_app.store import dialect
from wayvo_app.store import executions as store
from wayvo_app.store import waits as store_waits
from wayvo_app.store.models import Execution


def advance(s: Session, execution: Execution, graph: WorkflowGraph, finished: str, now: datetime,
            *, owner: str | None = None, lease: timedelta | None = None,
            snap: store.Snapshot | None = None, user: Any = None,
            first_rows: list[dict] | None = None, new_execution: bool = False) -> list[store.Claimed]:
    """Create the steps that became ready after `finished`; with `owner`, claim them inline
    (carrying what they need to run, so the worker does not read it again). `new_execution`: the
    execution row is inserted too, with `first_rows` (its trigger step), in the same statement."""
    snap = snap or store.snapshot(s, execution.id)
    rows, run_rows = successor_rows(execution.id, graph, finished, now, owner=owner, lease=lease, snap=snap)
    notify = bool(run_rows) and not owner
    if new_execution:
        store.insert_execution_with_steps(s, execution, (first_rows or []) + rows + run_rows, notify=notify)
    else:
        store.insert_steps(s, rows + run_rows)
        if notify:
            dialect.notify_work(s)
    return claimed_successors(execution, graph, run_rows, owner=owner, snap=snap, user=user)


def successor_rows(execution_id: str, graph: WorkflowGraph, finished: str, now: datetime, *,
                   owner: str | None, lease: timedelta | None, snap: store.Snapshot) -> tuple[list[dict], list[dict]]:
    """The step rows that became ready after `finished` (skipped ones, and those to run: claimed
    by `owner` when given), recorded in `snap` but not inserted: (skipped rows, rows to run)."""
    plan = plan_after(graph, snap.states, finished)
    rows = store.step_rows(execution_id, list(plan.skip), now, status="skipped", handles=[])
    rows += store.step_rows(execution_id, list(plan.passthrough), now, status="skipped", handles=["default"])
    run_status = "running" if owner else "pending"
    run_rows = store.step_rows(execution_id, list(plan.run), now, status=run_status, owner=owner, lease=lease)
    for row in rows + run_rows:
        snap.record(row["node_id"], row["status"], row["handles"])
    return rows, run_rows


def claimed_successors(execution: Any, graph: WorkflowGraph, run_rows: list[dict], *, owner: str | None,
                       snap: store.Snapshot, user: Any) -> list[store.Claimed]:
    """The rows to run as steps claimed inline by `owner`, carrying their world (none without owner)."""
    if not owner or not run_rows:
        return []
    world = StepWorld(execution, graph, user, dict(snap.outputs)) if user is not None else None
    return [store.Claimed(r["id"], execution.id, r["node_id"], 1, None, 0, world) for r in run_rows]


def refresh_status(s: Session, execution: Execution, now: datetime, trigger_id: str | None,
                   snap: store.Snapshot | None = None, *, touched: bool = False) -> str:
    """Derive the execution's status from its steps; finishing wakes a waiting parent step.
    `touched`: this transaction already set the row's updated_at (and `execution.status` is the
    row's), so an unchanged status needs no UPDATE."""
    snap = snap or store.snapshot(s, execution.id)
    status = execution_status(snap.states)
    values: dict[str, Any] = {"status": status}
    if status == "success":
        values.update(output=snap.last_output(exclude=trigger_id), completed_at=now)
    if not (touched and status == execution.status and status != "success"):
        store.touch_execution(s, execution.id, now, **values)
    if status == "success" and execution.status != "success":
        metrics.execution_finished(s, execution.workflow_id, status)
    execution.status = status
    if status == "success":
        wake_parent(s, execution, now)
    return status


def wake_parent(s: Session, execution: Execution, now: datetime) -> None:
    """A child run that ended resumes the parent's Trigger Workflow step."""
    if execution.parent_step_id:
        store_waits.resume_waiting_step(s, execution.parent_step_id, now)


def fail_execution(s: Session, execution: Execution, message: str, now: datetime) -> None:
    store.touch_execution(s, execution.id, now, status="error", error=message, completed_at=now)
    metrics.execution_finished(s, execution.workflow_id, "error")
    store.cancel_open_steps(s, execution.id, now, "Cancelled: another node failed")
    store_waits.cancel_waits(s, execution.id, now)
    wake_parent(s, execution, now)
