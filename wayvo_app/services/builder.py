"""The builder's use cases, one transaction each: open a workflow, autosave the draft (validated,
never refused), publish, list and restore versions, run the draft or a version, follow a run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wayvo_app.core.errors import DocumentValidationError, Problem, WorkflowNotFoundError
from wayvo_app.core.graph import parse_document
from wayvo_app.core.validation import validate
from wayvo_app.core.workflow_links import self_reference_problems
from wayvo_app.engine import wakeup
from wayvo_app.engine.registry import get_registry
from wayvo_app.services import access, step_data, workflows
from wayvo_app.services.execution_views import node_statuses
from wayvo_app.services.publish_checks import run_problems
from wayvo_app.store import db
from wayvo_app.store import execution_reads as reads
from wayvo_app.store.models import User

FINISHED = ("success", "error", "cancelled")


def problems_of(document: dict, workflow_id: str | None = None) -> list[dict[str, Any]]:
    """Every validation problem of a document (of `workflow_id`: it may not start itself),
    as {message, nodeId, field}."""
    try:
        graph = parse_document(document)
    except DocumentValidationError as exc:
        return [p.to_json() for p in exc.problems]
    with db.read_session() as s:  # and what would fail the first run (publish refuses it too)
        later = run_problems(s, graph)
    loops = self_reference_problems(graph, workflow_id, get_registry())
    return [p.to_json() for p in [*validate(graph, get_registry()), *loops, *later]]


def _status(wf: Any) -> dict[str, Any]:
    ahead = wf.published_version is not None and wf.published_revision != wf.revision
    return {"publishedVersion": wf.published_version or 0, "draftAhead": ahead, "revision": wf.revision,
            "updatedAt": wf.updated_at.replace(tzinfo=wf.updated_at.tzinfo or UTC).isoformat()}


def open_workflow(workflow_id: str, user_id: str) -> dict[str, Any]:
    """The draft, its status, versions and the step data of the newest run (and tests): each step's
    input, output and error, and the outputs the reference picker offers."""
    with db.read_session() as s:
        wf = workflows.get_owned(s, workflow_id, user_id)
        data = step_data.collect(s, workflow_id, user_id)
        return {"document": wf.document, **_status(wf), "versions": _versions(s, workflow_id),
                "lastExecution": data["execution"], "stepData": data, "lastOutputs": step_data.outputs_of(data)}


def _versions(s: Any, workflow_id: str) -> list[dict[str, Any]]:
    names = {}
    out = []
    for row in workflows.list_versions(s, workflow_id):
        if row.created_by and row.created_by not in names:
            user = s.get(User, row.created_by)
            names[row.created_by] = (user.display_name or user.user_name) if user else ""
        out.append({"version": row.version, "createdAt": f"{row.created_at:%Y-%m-%d %H:%M} UTC",
                    "createdBy": names.get(row.created_by or "", ""), "nodes": len(row.document.get("nodes", []))})
    return out


def save_draft(workflow_id: str, user_id: str, document: dict, expected_revision: int | None = None) -> dict[str, Any]:
    """Autosave: the draft is stored even when invalid; returns its status and problems.
    With `expected_revision`, a draft saved meanwhile elsewhere raises StaleDraftError."""
    with db.session() as s:
        wf = workflows.update_workflow(s, workflow_id, user_id, document, strict=False,
                                       expected_revision=expected_revision)
        s.flush()
        status = _status(wf)
    return {**status, "problems": problems_of(document, workflow_id)}


def publish(workflow_id: str, user_id: str) -> dict[str, Any]:
    """A new numbered version of the saved draft; DocumentValidationError lists what blocks it."""
    with db.session() as s:
        version = workflows.publish_workflow(s, workflow_id, user_id, created_by=user_id)
        wf = workflows.get_owned(s, workflow_id, user_id)
        return {"version": version.version, **_status(wf), "versions": _versions(s, workflow_id)}


def restore(workflow_id: str, user_id: str, version: int) -> dict[str, Any]:
    """The draft becomes a copy of `version` (a new revision; the versions stay as they were)."""
    with db.session() as s:
        wf = workflows.restore_version(s, workflow_id, user_id, version)
        s.flush()
        return {"document": wf.document, **_status(wf)}


def run(workflow_id: str, user_id: str, payload: dict, *, draft: bool = True) -> str:
    """Starts an execution of the saved draft (or of the latest published version); its id."""
    from wayvo_app.services.executions import start_execution

    with db.session() as s:
        wf = workflows.get_owned(s, workflow_id, user_id)
        user = s.get(User, user_id)
        if user is None or user.disabled:
            raise WorkflowNotFoundError()
        execution = start_execution(s, wf, user, payload, draft=draft, trigger_type="Manual", origin="ui")
        execution_id = execution.id
    wakeup.notify_work()
    return execution_id


def progress(execution_id: str, user_id: str) -> dict[str, Any]:
    """A run's status and each node's status, for the canvas."""
    with db.read_session() as s:
        execution = reads.execution_by_id(s, execution_id)
        if not access.may(s, user_id, "execution.view", execution):
            raise WorkflowNotFoundError("Execution not found")
        statuses = {row["nodeId"]: row["status"] for row in node_statuses(s, execution)}
        return {"id": execution.id, "status": execution.status, "error": execution.error or "",
                "nodes": statuses, "finished": execution.status in FINISHED,
                "outputs": reads.successful_outputs(s, execution.id),
                "checkedAt": datetime.now(UTC).isoformat()}


def blocking_problems(exc: DocumentValidationError) -> list[dict[str, Any]]:
    return [p.to_json() for p in exc.problems] or [Problem(exc.message).to_json()]
