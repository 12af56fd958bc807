"""Read models of an execution for the API and the viewer: node statuses, steps and logs."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from wayvo_app.engine.loader import graph_of_version
from wayvo_app.engine.registry import action_labels_of, step_labels
from wayvo_app.services.executions import owned_execution
from wayvo_app.store import db
from wayvo_app.store.execution_reads import logs_of
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


def status_of(execution_id: str, user_id: str) -> dict[str, Any]:
    """The execution's status and each node's status; NotFoundError unless the user owns it."""
    with db.read_session() as s:
        execution = owned_execution(s, execution_id, user_id)
        return {"status": execution.status, "nodeStatuses": node_statuses(s, execution)}


def details_of(execution_id: str, user_id: str) -> dict[str, Any]:
    """The execution with its steps, node statuses and logs; NotFoundError unless the user owns it."""
    with db.read_session() as s:
        return execution_details(s, owned_execution(s, execution_id, user_id))
