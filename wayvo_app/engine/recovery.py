"""Crash recovery: a step whose worker died (lease expired) is tried again as a new attempt;
after MAX_RECOVERIES the node fails with a clear message instead of looping."""

from __future__ import annotations

from datetime import datetime

from wayvo_app.core.progress import has_error_edge
from wayvo_app.engine.loader import graph_of_version
from wayvo_app.engine.metrics import LEASES_RECOVERED
from wayvo_app.engine.transitions import advance, fail_execution, refresh_status
from wayvo_app.store import db, dialect
from wayvo_app.store import executions as store
from wayvo_app.store import waits as store_waits
from wayvo_app.store.models import ExecutionStep

MAX_RECOVERIES = 3
LOST = "Worker stopped while running this step (lease expired)"


def recover_expired(now: datetime, url: str | None = None, limit: int = 100) -> int:
    """Re-queue or fail steps whose lease expired; returns how many were handled."""
    handled = 0
    with db.session(url) as s:
        for step in store.expired_leases(s, now, limit):
            execution = store.lock_execution(s, step.execution_id)
            if not store.take_expired_step(s, step.id, now, LOST) or execution is None:
                continue
            handled += 1
            store.add_logs(s, execution.id, step.id, step.node_id, [("warn", LOST)], now)
            if execution.status not in ("running", "paused"):
                continue
            _requeue_or_fail(s, execution, step, now)
    LEASES_RECOVERED.inc(handled)  # committed by now
    return handled


def _requeue_or_fail(s, execution, step: ExecutionStep, now: datetime) -> None:
    graph = graph_of_version(s, execution.version_id)
    if step.recoveries + 1 <= MAX_RECOVERIES:
        rows = store.step_rows(execution.id, [step.node_id], now, attempt=step.attempt + 1)
        rows[0].update(recoveries=step.recoveries + 1, wait_kind=step.wait_kind)
        store.insert_steps(s, rows)
        if step.wait_kind:  # a resumed wait: the new attempt reads the wait's outcome by its id
            store_waits.move_waits(s, step.id, rows[0]["id"])
        dialect.notify_work(s)
        refresh_status(s, execution, now, graph.trigger().id)
        return
    message = f"{LOST}; gave up after {MAX_RECOVERIES} recoveries"
    if has_error_edge(graph, step.node_id):
        store.follow_error_edge(s, step.id, message)
        advance(s, execution, graph, step.node_id, now)
        refresh_status(s, execution, now, graph.trigger().id)
    else:
        label = graph.node(step.node_id).label
        fail_execution(s, execution, f'Node "{label}" failed: {message}', now)
