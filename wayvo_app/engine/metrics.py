"""Prometheus counters and histograms, incremented where the events happen (engine and services).
With PROMETHEUS_MULTIPROC_DIR set before the first import, prometheus-client keeps each process's
values in files there and GET /metrics adds them up across web and engine processes."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlmodel import Session

EXECUTIONS_STARTED = Counter("wayvo_executions_started", "Executions started, by workflow and trigger",
                             ["workflow_id", "trigger"])
EXECUTIONS_FINISHED = Counter("wayvo_executions_finished", "Executions finished, by workflow and final status",
                              ["workflow_id", "status"])
STEP_DURATION = Histogram("wayvo_step_duration_seconds", "Time a step function ran, by node type",
                          ["node_type"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
                                                  60, 120, 300))
LEASES_RECOVERED = Counter("wayvo_leases_recovered", "Steps taken back from a worker whose lease expired")
SIGNALS = Counter("wayvo_signals", "Signals by outcome: received (resumed a wait), buffered, refused",
                  ["outcome"])

_PENDING = "wayvo_metrics_pending"
_HOOKED = "wayvo_metrics_hooked"


def _flush(session: Session) -> None:
    for count in session.info.pop(_PENDING, []):
        count()


def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


def on_commit(s: Session, count: Callable[[], None]) -> None:
    """Count after the transaction commits (a rolled-back start or finish is not counted)."""
    if not s.info.get(_HOOKED):
        s.info[_HOOKED] = True
        event.listen(s, "after_commit", _flush)
        event.listen(s, "after_rollback", _drop)
    s.info.setdefault(_PENDING, []).append(count)


def execution_started(s: Session, workflow_id: str, trigger: str | None) -> None:
    on_commit(s, EXECUTIONS_STARTED.labels(workflow_id, trigger or "Manual").inc)


def execution_finished(s: Session, workflow_id: str, status: str) -> None:
    on_commit(s, EXECUTIONS_FINISHED.labels(workflow_id, status).inc)
