"""Step data for the builder: each node's input, output and error from the workflow's newest run the
user may see, newer "Test this step" results, and the trigger's pinned sample input; testing one
step with that data; pinning the trigger's sample."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, DocumentValidationError
from wayvo_app.core.graph import parse_document
from wayvo_app.core.times import utcnow
from wayvo_app.engine.registry import get_registry
from wayvo_app.engine.step_test import Tester
from wayvo_app.services import access, workflows
from wayvo_app.store import db, step_samples
from wayvo_app.store import execution_reads as reads
from wayvo_app.store.models import User

SOURCE_WORDS = {"run": "From the last run", "test": "From a test of this step", "pin": "Pinned sample"}


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _entry(source: str, status: str, input_: Any, output: Any, error: str | None, at: datetime | None,
           note: str = "", execution_id: str = "") -> dict[str, Any]:
    return {"source": source, "status": status, "input": input_, "output": output, "error": error or "",
            "at": _iso(at), "note": note, "executionId": execution_id}


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def collect(s: Session, workflow_id: str, user_id: str) -> dict[str, Any]:
    """{"execution": {id, status, startedAt} or {}, "steps": {node id: entry}}: the newest run's
    latest attempt of each node, replaced by a newer test or pin of that node."""
    execution = reads.newest_visible_execution_of_workflow(s, workflow_id, access.visible_executions(user_id))
    steps: dict[str, dict[str, Any]] = {}
    started = None
    if execution is not None:
        started = _aware(execution.started_at)
        for node_id, step in reads.latest_attempts(s, execution.id).items():
            status = "paused" if step.status == "waiting" else step.status
            steps[node_id] = _entry("run", status, step.input, step.output, step.error,
                                    step.finished_at or step.started_at, execution_id=execution.id)
    for sample in step_samples.samples_of(s, workflow_id):
        if started is None or _aware(sample.created_at) > started or sample.node_id not in steps:
            steps[sample.node_id] = _entry(sample.kind, sample.status, sample.input, sample.output, sample.error,
                                           _aware(sample.created_at), sample.note)
    head = ({"id": execution.id, "status": execution.status, "startedAt": _iso(started)}
            if execution is not None else {})
    return {"execution": head, "steps": steps}


def step_data(workflow_id: str, user_id: str) -> dict[str, Any]:
    with db.read_session() as s:
        workflows.get_owned(s, workflow_id, user_id)
        return collect(s, workflow_id, user_id)


def outputs_of(data: dict[str, Any]) -> dict[str, Any]:
    """What references can read: the output of each node whose data succeeded."""
    return {node_id: entry["output"] for node_id, entry in (data.get("steps") or {}).items()
            if entry.get("status") == "success" and entry.get("output") is not None}


def test_step(workflow_id: str, user_id: str, node_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Runs the saved draft's node with the upstream outputs of the step data (the trigger's pinned
    sample or the last run's input) and records the result as that node's test; the new step data."""
    from wayvo_app.services.integrations import credentials_for
    from wayvo_app.settings import get_settings

    with db.read_session() as s:
        wf = workflows.get_owned(s, workflow_id, user_id)
        user = s.get(User, user_id)
        data = collect(s, workflow_id, user_id)
        document = wf.document
    try:
        graph = parse_document(document)
    except DocumentValidationError as exc:
        raise BadRequestError(f"Fix the workflow before testing a step: {exc.message}") from exc
    node = next((n for n in graph.nodes if n.id == node_id), None)
    if node is None:
        raise BadRequestError("Save the workflow first: this step is not in the saved draft yet")
    if node.is_trigger:
        raise BadRequestError("The trigger has no step to test: pin a sample input instead")
    tester = Tester(registry=get_registry(), settings=get_settings(), user_id=user.id, user_name=user.user_name,
                    user_roles=tuple(user.roles or ()), credentials_for=credentials_for)
    now = now or utcnow()
    result = asyncio.run(tester.test(graph, node_id, outputs_of(data), workflow_id, now))
    with db.session() as s:
        workflows.get_owned(s, workflow_id, user_id)
        step_samples.save_sample(s, workflow_id, node_id, "test", user_id=user_id, now=now, status=result.status,
                                 input=result.input, output=result.output, error=result.error, note=result.note)
    return step_data(workflow_id, user_id)


def pin_sample(workflow_id: str, user_id: str, node_id: str, sample: Any) -> dict[str, Any]:
    """Pins `sample` (a JSON object) as the trigger's output for tests and the reference picker;
    None removes the pin."""
    if sample is not None and not isinstance(sample, dict):
        raise BadRequestError('A sample input must be a JSON object, e.g. {"orderId": "A-1"}')
    with db.session() as s:
        workflows.get_owned(s, workflow_id, user_id)
        if sample is None:
            step_samples.delete_sample(s, workflow_id, node_id, "pin")
        else:
            step_samples.save_sample(s, workflow_id, node_id, "pin", user_id=user_id, now=utcnow(),
                                     input=None, output=sample, note="Pinned sample input")
    return step_data(workflow_id, user_id)
