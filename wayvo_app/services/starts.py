"""trigger_workflow's hot path, when it opens its own transaction, with no ORM session. On
PostgreSQL an autocommit connection and, when the last start of the workflow by the user is
known, one statement (store/starts.start_if_unchanged: the context read, the checks and the insert
together; the new rows filled in templates made once, store/row_templates); otherwise two (the read, then one statement inserting the execution, its trigger and
first steps and notifying the workers). The same checks, in the same order, as the general path
(services/executions.py), which still runs what is not common: a draft run, a version that does
not exist, a run that would be over at once."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, ValidationError, WorkflowNotFoundError
from wayvo_app.core.graph import WorkflowGraph, parse_document
from wayvo_app.core.limits import get_quotas
from wayvo_app.core.origins import origin_of
from wayvo_app.core.progress import execution_status
from wayvo_app.engine import metrics
from wayvo_app.engine.transitions import successor_rows
from wayvo_app.services import access
from wayvo_app.services.integrations import check_integration_references, integration_references
from wayvo_app.services.quotas import refuse_running
from wayvo_app.services.trigger_input import check_input as check_trigger_input
from wayvo_app.services.trigger_input import schema_of
from wayvo_app.services.workflows import ensure_active
from wayvo_app.store import db, dialect, row_templates
from wayvo_app.store import executions as store
from wayvo_app.store import starts as store_starts
from wayvo_app.store.models import new_id, new_ids, utcnow


class _Workflow(NamedTuple):
    """What the checks read of a workflow (no `user_id`: a workflow is nobody's own, as the row)."""

    id: str
    workspace_id: str
    name: str
    active: bool
    published_version: int | None
    trigger_type: str


class _FirstSteps(NamedTuple):
    """The first steps of every start of a version (the graph alone decides them)."""

    template: row_templates.RowTemplate | None  # None: a start plans its rows (first_steps)
    running: bool  # they leave the execution running (else a start is over at once)
    pending: bool  # some are pending (the workers are notified)


@dataclass(slots=True)
class _Version:
    graph: WorkflowGraph
    document: Any  # kept only when it references integrations (they are checked at every start)
    checks_input: bool  # its trigger declares an input schema (or one that is not valid JSON)
    first: _FirstSteps | None = None  # planned at the version's first guess


_versions: OrderedDict[str, _Version] = OrderedDict()
_MAX_VERSIONS = 512


def _version(conn, version_id: str) -> _Version:
    """Versions are immutable: their parsed graphs are cached by id."""
    found = _versions.get(version_id)
    if found is None:
        document = store_starts.version_document(conn, version_id)
        graph = parse_document(document)
        found = _Version(graph, document if integration_references(document) else None, _checks_input(graph))
        _versions[version_id] = found
        if len(_versions) > _MAX_VERSIONS:
            _versions.popitem(last=False)
    return found


def _checks_input(graph: WorkflowGraph) -> bool:
    trigger = graph.trigger()
    if trigger is None:
        return False
    try:
        return schema_of(trigger.config) is not None
    except BadRequestError:  # check_trigger_input says so at each start
        return True


def first_steps(graph: WorkflowGraph, execution_id: str, input: Any, now: datetime) -> tuple[list[dict], str]:
    """The rows of a new execution's steps (its trigger, finished with the input; the steps ready
    after it, pending; the ones skipped) and the execution's status they give: the trigger's
    successors are planned by the engine's own `successor_rows`, as for any finished step."""
    trigger = graph.trigger()
    trigger_row = {**store.step_rows(execution_id, [trigger.id], now)[0], "status": "success",
                   "output": input, "input": input, "handles": ["default"],
                   "started_at": now, "finished_at": now, "run_at": None}
    snap = store.Snapshot({}, {}, {})
    snap.record(trigger.id, "success", ["default"], input, now)
    skipped, run_rows = successor_rows(execution_id, graph, trigger.id, now, owner=None, lease=None, snap=snap)
    return [trigger_row, *skipped, *run_rows], execution_status(snap.states)


class Started(NamedTuple):
    execution_id: str
    new: bool  # False: an earlier start with the same Idempotency-Key
    workflow_id: str = ""
    trigger_type: str = ""


class _Planned(NamedTuple):
    execution_id: str
    values: dict[str, Any]
    rows: list[dict]
    running: bool  # False: the run would be over at once
    notify: bool


def _values(execution_id: str, workflow_id: str, workspace_id: str, version_id: str, user_id: str,
            trigger_type: str, input: Any, idempotency_key: str | None, origin: str | None,
            now: datetime) -> dict[str, Any]:
    """The columns of a new execution."""
    return {"id": execution_id, "workflow_id": workflow_id, "version_id": version_id, "user_id": user_id,
            "workspace_id": workspace_id, "status": "running", "trigger_type": trigger_type,
            "input": input, "idempotency_key": idempotency_key, "started_at": now, "updated_at": now,
            "origin": origin_of(origin, trigger_type=trigger_type)}


def _plan(graph: WorkflowGraph, workflow_id: str, workspace_id: str, version_id: str, user_id: str,
          trigger_type: str, input: Any, idempotency_key: str | None, origin: str | None) -> _Planned:
    now = utcnow()
    execution_id = new_id()
    input = input if input is not None else {}
    rows, status = first_steps(graph, execution_id, input, now)
    values = _values(execution_id, workflow_id, workspace_id, version_id, user_id, trigger_type, input,
                     idempotency_key, origin, now)
    return _Planned(execution_id, values, rows, status == "running", any(r["status"] == "pending" for r in rows))


class _Guess(NamedTuple):
    execution_id: str
    trigger_type: str
    execution_json: str  # its row, as store/row_templates fills it
    steps_json: str  # its first steps, the same
    notify: bool


# What the last start of a workflow by a user (and asked version) found: the next start assumes it
# unchanged and makes its checks and its insert in one statement (store/starts.start_if_unchanged).
_expected: OrderedDict[tuple, store_starts.Expected] = OrderedDict()
_MAX_EXPECTED = 1024
_RUN_ROLES = tuple(role for role in access.ROLES if access.decide(role, "workflow.run") == "allowed")


def _guess(expected: store_starts.Expected, workflow_id: str, input: Any, trigger_type: str | None,
           idempotency_key: str | None, origin: str | None) -> _Guess | None:
    """The start planned on what the last one found; None when that cannot be checked in one
    statement (a version out of the cache, integrations to check, an input its graph refuses:
    maybe a newer version accepts it). Its row and first steps are templates, filled."""
    pinned = _versions.get(expected.version_id)
    if pinned is None or pinned.document is not None:
        return None
    if pinned.checks_input:
        try:
            check_trigger_input(pinned.graph.trigger().config, input)
        except (ValidationError, BadRequestError):
            return None
    first = pinned.first
    if first is None:
        first = pinned.first = _first_steps(pinned.graph)
    if first.template is None or not first.running:
        return None
    trigger_type = trigger_type or expected.trigger_type
    execution = _execution_template(expected, workflow_id, trigger_type, origin, idempotency_key is not None)
    if execution is None:
        return None
    now = utcnow().isoformat()
    ids = new_ids(first.template.ids)  # the execution's, then its first steps'
    input_json = json.dumps(input if input is not None else {})
    key_json = json.dumps(idempotency_key) if idempotency_key is not None else ""
    return _Guess(ids[0], trigger_type, execution.fill(now, input_json, key_json, ids),
                  first.template.fill(now, input_json, key_json, ids), first.pending)


def _first_steps(graph: WorkflowGraph) -> _FirstSteps:
    """`first_steps` of a stand-in start, made a template."""
    stand_in = row_templates.stand_in()
    rows, status = first_steps(graph, stand_in.execution_id, stand_in.input, stand_in.now)
    return _FirstSteps(row_templates.steps_template(rows, stand_in), status == "running",
                       any(r["status"] == "pending" for r in rows))


# The rows of a start (see _execution_template), by what decides them.
_executions: dict[tuple, row_templates.RowTemplate | None] = {}
_MAX_EXECUTIONS = 1024


def _execution_template(expected: store_starts.Expected, workflow_id: str, trigger_type: str, origin: str | None,
                        keyed: bool) -> row_templates.RowTemplate | None:
    """The row of a start of `workflow_id` as `expected` says, with this trigger type and origin,
    with an Idempotency-Key or not, as a template (`_values` of a stand-in start)."""
    decided_by = (expected, workflow_id, trigger_type, origin, keyed)
    try:
        return _executions[decided_by]
    except KeyError:
        pass
    stand_in = row_templates.stand_in()
    values = _values(stand_in.execution_id, workflow_id, expected.workspace_id, expected.version_id, expected.user_id,
                     trigger_type, stand_in.input, stand_in.idempotency_key if keyed else None, origin, stand_in.now)
    template = row_templates.execution_template(values, stand_in)
    if len(_executions) >= _MAX_EXECUTIONS:
        _executions.clear()
    _executions[decided_by] = template
    return template


def try_trigger(workflow_id: str, user_name: str, input: Any, version: int | None, trigger_type: str | None,
                idempotency_key: str | None, only: str | None, origin: str | None) -> Started | None:
    """Start the execution, or None when the general path must (nothing was written then). The
    caller counts the start and wakes local workers (after the commit)."""
    cap = get_quotas().max_running_per_workspace
    key = (workflow_id, user_name, version)
    with db.statements() as conn:
        expected = _expected.get(key) if dialect.is_postgres_connection(conn) else None
        guess = None
        if expected is not None and only in (None, expected.workspace_id):
            guess = _guess(expected, workflow_id, input, trigger_type, idempotency_key, origin)
        if guess is not None:
            found, inserted = store_starts.start_if_unchanged(conn, user_name, workflow_id, version,
                                                              idempotency_key, cap, expected, guess.execution_json,
                                                              guess.steps_json, notify=guess.notify)
            if inserted:
                return Started(guess.execution_id, True, workflow_id, guess.trigger_type)
        else:
            found = store_starts.start_context(conn, user_name, workflow_id, version, idempotency_key, cap)
        # Something changed, or nothing was known: the checks in order, then the insert.
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
            refuse_running(cap)
        pinned = _version(conn, found.version_id)
        if pinned.document is not None:
            with Session(bind=conn) as s:
                check_integration_references(s, pinned.document, user_id, workspace_id=wf.workspace_id)
        graph = pinned.graph
        if graph.trigger() is not None:
            check_trigger_input(graph.trigger().config, input)
        planned = _plan(graph, wf.id, wf.workspace_id, found.version_id, user_id, trigger_type or wf.trigger_type,
                        input, idempotency_key, origin)
        if not planned.running:
            return None  # over at once: the general path finishes it (output, parent, metrics)
        store_starts.insert_execution(conn, planned.values, planned.rows, notify=planned.notify)
    _expected[key] = store_starts.Expected(user_id, wf.workspace_id, found.version_id, wf.trigger_type, _RUN_ROLES)
    if len(_expected) > _MAX_EXPECTED:
        try:
            _expected.popitem(last=False)
        except KeyError:  # another thread trimmed it meanwhile
            pass
    return Started(planned.execution_id, True, wf.id, planned.values["trigger_type"])


_started_counters: dict[tuple[str, str], Any] = {}  # prometheus keeps every child anyway


def count_started(started: Started) -> None:
    if started.new:
        labels = (started.workflow_id, started.trigger_type or "Manual")
        counter = _started_counters.get(labels)
        if counter is None:
            counter = _started_counters[labels] = metrics.EXECUTIONS_STARTED.labels(*labels)
        counter.inc()
