"""Retry from the failed step: a new execution on the same version that keeps every completed
step's output and runs the failed node and everything after it again."""

from __future__ import annotations

from sqlmodel import Session

from wayvo_app.engine import metrics
from wayvo_app.engine.loader import graph_of_version
from wayvo_app.engine.transitions import advance, refresh_status
from wayvo_app.store import executions as store
from wayvo_app.store.models import Execution, ExecutionStep, User, new_id, utcnow


def _kept_steps(s: Session, execution_id: str) -> dict[str, ExecutionStep]:
    """The latest attempt of each node that finished well (success, or skipped by a branch)."""
    latest = store.latest_attempts(s, execution_id)
    return {node: row for node, row in latest.items() if row.status in ("success", "skipped")}


def copy_successes_and_resume(s: Session, old: Execution, user: User) -> Execution:
    now = utcnow()
    new = Execution(id=new_id(), workflow_id=old.workflow_id, version_id=old.version_id, user_id=user.id,
                    workspace_id=old.workspace_id,
                    status="running", trigger_type=old.trigger_type, input=old.input, retry_of_id=old.id,
                    parent_execution_id=old.parent_execution_id, started_at=now, updated_at=now, origin="retry")
    store.add_execution(s, new)
    metrics.execution_started(s, new.workflow_id, new.trigger_type)
    kept = _kept_steps(s, old.id)
    store.insert_steps(s, [
        {"id": new_id(), "execution_id": new.id, "node_id": row.node_id, "attempt": 1, "status": row.status,
         "handles": row.handles, "input": row.input, "output": row.output, "queued_at": now, "run_at": None,
         "started_at": row.started_at, "finished_at": row.finished_at, "recoveries": 0, "wait_kind": None}
        for row in kept.values()])
    graph = graph_of_version(s, old.version_id)
    for node_id in kept:
        advance(s, new, graph, node_id, now)
    refresh_status(s, new, now, graph.trigger().id)
    return new
