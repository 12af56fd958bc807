"""trigger_workflow's hot path, when it opens its own transaction: on PostgreSQL two statements
on an autocommit connection (store/starts.py: one read of everything the checks need, then one
statement inserting the execution, its trigger and first steps and notifying the workers), no
ORM session. The same checks, in the same order, as the general path (services/executions.py),
which still runs what is not common: a draft run, a version that does not exist, a run that
would be over at once."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel import Session

from wayvo_app.core.errors import WorkflowNotFoundError
from wayvo_app.core.graph import WorkflowGraph, parse_document
from wayvo_app.core.limits import get_quotas
from wayvo_app.core.origins import origin_of
from wayvo_app.core.progress import NodeState, execution_status, plan_after
from wayvo_app.engine import metrics
from wayvo_app.services import access
from wayvo_app.services.integrations import check_integration_references, integration_references
from wayvo_app.services.quotas import refuse_running
from wayvo_app.services.trigger_input import check_input as check_trigger_input
from wayvo_app.services.workflows import ensure_active
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store import starts as store_starts
from wayvo_app.store.models import new_id, utcnow


class _Workflow(NamedTuple):
    """What the checks read of a workflow (no `user_id`: a workflow is nobody's own, as the row)."""

    id: str
    workspace_id: str
    name: str
    active: bool
    published_version: int | None
    trigger_type: str


class _Version(NamedTuple):
    graph: WorkflowGraph
    document: Any  # kept only when it references integrations (they are checked at every start)


_versions: OrderedDict[str, _Version] = OrderedDict()
_MAX_VERSIONS = 512


def _version(conn, version_id: str) -> _Version:
    """Versions are immutable: their parsed graphs are cached by id."""
    found = _versions.get(version_id)
    if found is None:
        document = store_starts.version_document(conn, version_id)
        found = _Version(parse_document(document), document if integration_references(document) else None)
        _versions[version_id] = found
        if len(_versions) > _MAX_VERSIONS:
            _versions.popitem(last=False)
    return found


def first_steps(graph: WorkflowGraph, execution_id: str, input: Any, now: datetime) -> tuple[list[dict], str]:
    """The rows of a new execution's steps (its trigger, finished with the input; the steps ready
    after it, pending; the ones skipped) and the execution's status they give."""
    trigger = graph.trigger()
    trigger_row = {**store.step_rows(execution_id, [trigger.id], now)[0], "status": "success",
                   "output": input, "input": input, "handles": ["default"],
                   "started_at": now, "finished_at": now, "run_at": None}
    states = {trigger.id: NodeState("success", ("default",))}
    plan = plan_after(graph, states, trigger.id)
    rows = [trigger_row]
    rows += store.step_rows(execution_id, list(plan.skip), now, status="skipped", handles=[])
    rows += store.step_rows(execution_id, list(plan.passthrough), now, status="skipped", handles=["default"])
    rows += store.step_rows(execution_id, list(plan.run), now)
    for row in rows[1:]:
        states[row["node_id"]] = NodeState(row["status"], tuple(row["handles"] or ()))
    return rows, execution_status(states)


class Started(NamedTuple):
    execution_id: str
    new: bool  # False: an earlier start with the same Idempotency-Key
    workflow_id: str = ""
    trigger_type: str = ""


def try_trigger(workflow_id: str, user_name: str, input: Any, version: int | None, trigger_type: str | None,
                idempotency_key: str | None, only: str | None, origin: str | None) -> Started | None:
    """Start the execution, or None when the general path must (nothing was written then). The
    caller counts the start and wakes local workers (after the commit)."""
    with db.statements() as conn:
        found = store_starts.start_context(conn, user_name, workflow_id, version, idempotency_key,
                                           get_quotas().max_running_per_workspace)
        if found is None or found.disabled:
            raise WorkflowNotFoundError()
        # An API key (`only`) acts only in its own workspace: elsewhere it is an outsider.
        here = found.workflow_id is not None and (only is None or found.workspace_id == only)
        wf = _Workflow(found.workflow_id, found.workspace_id, found.name, found.active, found.published_version,
                       found.trigger_type) if found.workflow_id is not None else None
        role = found.role if here else None
        user_id = found.user_id
        wf = access.require_role(role, user_id, "workflow.run", wf)
        if wf.published_version is None:
            access.require_role(role, user_id, "workflow.run_draft", wf)
        if found.first_id is not None:
            return Started(found.first_id, False)
        ensure_active(wf)
        if found.version_id is None:
            return None  # a draft run (its version may have to be made) or a missing version
        if found.quota_full:
            refuse_running(get_quotas().max_running_per_workspace)
        pinned = _version(conn, found.version_id)
        if pinned.document is not None:
            with Session(bind=conn) as s:
                check_integration_references(s, pinned.document, user_id, workspace_id=wf.workspace_id)
        graph = pinned.graph
        if graph.trigger() is not None:
            check_trigger_input(graph.trigger().config, input)
        now = utcnow()
        execution_id = new_id()
        input = input if input is not None else {}
        rows, status = first_steps(graph, execution_id, input, now)
        if status != "running":
            return None  # over at once: the general path finishes it (output, parent, metrics)
        trigger_type = trigger_type or wf.trigger_type
        values = {"id": execution_id, "workflow_id": wf.id, "version_id": found.version_id, "user_id": user_id,
                  "workspace_id": wf.workspace_id, "status": "running", "trigger_type": trigger_type,
                  "input": input, "idempotency_key": idempotency_key, "started_at": now, "updated_at": now,
                  "origin": origin_of(origin, trigger_type=trigger_type)}
        store_starts.insert_execution(conn, values, rows, notify=any(r["status"] == "pending" for r in rows))
    return Started(execution_id, True, wf.id, trigger_type)


def count_started(started: Started) -> None:
    if started.new:
        metrics.EXECUTIONS_STARTED.labels(started.workflow_id, started.trigger_type or "Manual").inc()
