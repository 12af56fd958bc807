"""Read models of an execution for the API and the viewer: node statuses, steps and logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from wayvo_app.engine.loader import graph_of_version
from wayvo_app.engine.registry import action_labels_of, step_labels
from wayvo_app.services.executions import owned_execution
from wayvo_app.store import db
from wayvo_app.store.execution_reads import logs_of, stream_rows_since
from wayvo_app.store.executions import steps_of
from wayvo_app.store.models import Execution, ExecutionStep

NODE_STATUS = {"pending": "running", "running": "running", "waiting": "paused", "success": "success",
               "error": "error", "skipped": "skipped", "cancelled": "skipped"}
# A step row in an API response speaks the document's vocabulary too (a queued step is running, a
# waiting one paused); a cancelled attempt stays "cancelled" so that it reads apart from a branch not taken.
STEP_STATUS = {**NODE_STATUS, "cancelled": "cancelled"}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def node_statuses(s: Session, execution: Execution, steps: list[ExecutionStep] | None = None) -> list[dict]:
    """Every node of the pinned version with its status (idle when never reached)."""
    latest: dict[str, ExecutionStep] = {}
    for step in steps if steps is not None else steps_of(s, execution.id):
        if step.node_id not in latest or step.attempt >= latest[step.node_id].attempt:
            latest[step.node_id] = step
    graph = graph_of_version(s, execution.version_id)
    out = []
    for node in graph.nodes:
        step = latest.get(node.id)
        status = NODE_STATUS.get(step.status, "idle") if step else "idle"
        out.append({"nodeId": node.id, "status": status, "attempt": step.attempt if step else 0})
    return out


def step_json(step: ExecutionStep, label: str, action: str = "") -> dict[str, Any]:
    duration = None
    if step.started_at and step.finished_at:
        duration = int((step.finished_at - step.started_at).total_seconds() * 1000)
    return {"id": step.id, "nodeId": step.node_id, "label": label, "actionLabel": action, "status": step.status,
            "attempt": step.attempt, "input": step.input, "output": step.output, "error": step.error,
            "waitKind": step.wait_kind, "queuedAt": _iso(step.queued_at), "startedAt": _iso(step.started_at),
            "completedAt": _iso(step.finished_at), "durationMs": duration}


def execution_json(execution: Execution) -> dict[str, Any]:
    return {"id": execution.id, "workflowId": execution.workflow_id, "status": execution.status,
            "input": execution.input, "output": execution.output, "error": execution.error,
            "triggerType": execution.trigger_type, "parentExecutionId": execution.parent_execution_id,
            "retryOf": execution.retry_of_id, "startedAt": _iso(execution.started_at),
            "completedAt": _iso(execution.completed_at), "updatedAt": _iso(execution.updated_at)}


def execution_details(s: Session, execution: Execution) -> dict[str, Any]:
    graph = graph_of_version(s, execution.version_id)
    labels, actions = step_labels(graph), action_labels_of(graph)
    steps = steps_of(s, execution.id)
    logs = logs_of(s, execution.id)
    return {**execution_json(execution),
            "steps": [{**step_json(st, labels.get(st.node_id, st.node_id), actions.get(st.node_id, "")),
                       "status": STEP_STATUS.get(st.status, st.status)} for st in steps],
            "nodeStatuses": node_statuses(s, execution, steps),
            "logs": [{"nodeId": log.node_id, "label": labels.get(log.node_id or "", ""), "stepId": log.step_id,
                      "level": log.level, "message": log.message, "createdAt": _iso(log.created_at)}
                     for log in logs]}


def status_of(execution_id: str, user_id: Any) -> dict[str, Any]:
    """The execution's status and each node's status; NotFoundError unless the user owns it."""
    with db.read_session() as s:
        execution = owned_execution(s, execution_id, user_id)
        return {"status": execution.status, "nodeStatuses": node_statuses(s, execution)}


def details_of(execution_id: str, user_id: Any) -> dict[str, Any]:
    """The execution with its steps, node statuses and logs; NotFoundError unless the user owns it."""
    with db.read_session() as s:
        return execution_details(s, owned_execution(s, execution_id, user_id))


FINISHED = ("success", "error", "cancelled")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(value: datetime) -> int:
    value = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return (value - _EPOCH) // timedelta(microseconds=1)


def _event_id(when: datetime, kind: int, key: str) -> str:
    """`<µs since epoch>.<kind>.<row key>`: fixed-width prefix so ids sort as strings in event order
    (steps before logs before the execution's status at the same instant)."""
    return f"{_micros(when):017d}.{kind}.{key}"


def event_micros(value: datetime | str) -> int:
    """The instant of a time or of an event id, in µs since the epoch (ids start with it)."""
    return _micros(value) if isinstance(value, datetime) else int(value.split(".", 1)[0])


def _since(cursor: str) -> datetime | None:
    head = cursor.split(".", 1)[0]
    return _EPOCH + timedelta(microseconds=int(head)) if head.isdigit() else None


def events_after(execution_id: str, user_id: Any, cursor: str = "") -> tuple[list[dict[str, Any]], str]:
    """The stream's events after `cursor` (a previous event id; empty for all), oldest first, and the
    execution's status; NotFoundError unless the user may see the execution (as for the details).
    A step yields one event per status it reaches, stamped with the time of that change, so a later
    change always gets a larger id and resuming after any id neither repeats nor skips one."""
    with db.read_session() as s:
        owned_execution(s, execution_id, user_id)
        execution, steps, logs = stream_rows_since(s, execution_id, _since(cursor))
        graph = graph_of_version(s, execution.version_id)
        labels, actions = step_labels(graph), action_labels_of(graph)
        events = []
        for st in steps:
            when = max(t for t in (st.queued_at, st.started_at, st.finished_at) if t is not None)
            events.append({"id": _event_id(when, 1, st.id), "event": "step",
                           "data": step_json(st, labels.get(st.node_id, st.node_id), actions.get(st.node_id, ""))})
        for log in logs:
            events.append({"id": _event_id(log.created_at, 2, f"{log.id:012d}"), "event": "log",
                           "data": {"id": log.id, "nodeId": log.node_id, "label": labels.get(log.node_id or "", ""),
                                    "stepId": log.step_id, "level": log.level, "message": log.message,
                                    "createdAt": _iso(log.created_at)}})
        events.append({"id": _event_id(execution.updated_at, 3, "0"), "event": "execution",
                       "data": {"id": execution.id, "status": execution.status, "output": execution.output,
                                "error": execution.error, "completedAt": _iso(execution.completed_at)}})
        events = sorted((e for e in events if e["id"] > cursor), key=lambda e: e["id"])
        return events, execution.status
