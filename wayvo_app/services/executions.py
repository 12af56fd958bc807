"""Use cases that start and steer executions: trigger, child runs, cancel, retry. One transaction each."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from wayvo_app.core.errors import (
    BadRequestError,
    ConflictError,
    QuotaExceededError,
    StepError,
    ValidationError,
    WorkflowNotFoundError,
)
from wayvo_app.core.origins import origin_of
from wayvo_app.engine import metrics, wakeup
from wayvo_app.engine.loader import graph_of_version
from wayvo_app.engine.transitions import advance, refresh_status, wake_parent
from wayvo_app.services import access, starts
from wayvo_app.services.access import owned_workflow
from wayvo_app.services.idempotency import checked_key
from wayvo_app.services.integrations import check_integration_references
from wayvo_app.services.quotas import check_can_start
from wayvo_app.services.trigger_input import check_input as check_trigger_input
from wayvo_app.services.workflows import ensure_active, version_for_run
from wayvo_app.settings import get_settings
from wayvo_app.store import child_runs, db
from wayvo_app.store import executions as store
from wayvo_app.store import idempotency as store_idempotency
from wayvo_app.store import waits as store_waits
from wayvo_app.store.executions import steps_of  # noqa: F401  (re-exported for callers)
from wayvo_app.store.models import Execution, User, Workflow, WorkflowVersion, new_id, utcnow
from wayvo_app.store.run_context import run_context


@dataclass(frozen=True)
class TriggerWorkflowResult:
    execution_id: str
    status: Literal["running"] = "running"


def start_execution(s: Session, wf: Workflow, user: User, input: Any, *, version: int | None = None,
                    trigger_type: str | None = None, parent_execution_id: str | None = None,
                    parent_step_id: str | None = None, retry_of_id: str | None = None,
                    idempotency_key: str | None = None, draft: bool = False,
                    check_input: bool = False, pinned: WorkflowVersion | None = None,
                    origin: str | None = None) -> Execution:
    """Insert the execution pinned to its version (`pinned`: already read), the finished trigger
    step and the first steps. With `check_input`, the input must match the trigger's input schema
    (ValidationError). An Off workflow starts nothing (WorkflowInactiveError), nor one over a quota.
    `origin` (core/origins.py) says where the run came from."""
    ensure_active(wf)
    check_can_start(s, wf.workspace_id, utcnow(), child=parent_execution_id is not None)
    pinned = pinned or version_for_run(s, wf, version, draft=draft)
    check_integration_references(s, pinned.document, user.id, workspace_id=wf.workspace_id)
    graph = graph_of_version(s, pinned.id)
    if check_input and graph.trigger() is not None:
        check_trigger_input(graph.trigger().config, input)
    now = utcnow()
    execution = Execution(id=new_id(), workflow_id=wf.id, version_id=pinned.id, user_id=user.id,
                          workspace_id=wf.workspace_id,
                          status="running", trigger_type=trigger_type or wf.trigger_type,
                          input=input if input is not None else {}, parent_execution_id=parent_execution_id,
                          parent_step_id=parent_step_id, retry_of_id=retry_of_id,
                          idempotency_key=idempotency_key, started_at=now, updated_at=now)
    execution.origin = origin_of(origin, trigger_type=execution.trigger_type, retry_of_id=retry_of_id,
                                 parent_execution_id=parent_execution_id)
    metrics.execution_started(s, wf.id, execution.trigger_type)
    trigger = graph.trigger()
    trigger_row = {**store.step_rows(execution.id, [trigger.id], now)[0], "status": "success",
                   "output": execution.input, "input": execution.input, "handles": ["default"],
                   "started_at": now, "finished_at": now, "run_at": None}
    snap = store.Snapshot({}, {}, {})  # a new execution's steps are known: nothing to read back
    snap.record(trigger.id, "success", ["default"], execution.input, now)
    advance(s, execution, graph, trigger.id, now, snap=snap, first_rows=[trigger_row], new_execution=True)
    refresh_status(s, execution, now, trigger.id, snap, touched=True)
    return execution


def trigger_workflow(*, workflow_id: str, user_name: str, input: dict | None = None, version: int | None = None,
                     session: Session | None = None, trigger_type: str | None = None,
                     idempotency_key: str | None = None, origin: str | None = None) -> TriggerWorkflowResult:
    """Start a workflow as `user_name`. With `session`, the execution is part of that transaction.
    `origin` (core/origins.py) says where the call came from; application code by default."""
    return trigger_in(None, workflow_id=workflow_id, user_name=user_name, input=input, version=version,
                      session=session, trigger_type=trigger_type, idempotency_key=idempotency_key, origin=origin)


def trigger_in(only: str | None, *, workflow_id: str, user_name: str, input: dict | None = None,
               version: int | None = None, session: Session | None = None, trigger_type: str | None = None,
               idempotency_key: str | None = None, origin: str | None = None) -> TriggerWorkflowResult:
    """trigger_workflow limited to the workspace `only` (an API key's): WorkflowNotFoundError for a
    workflow of any other workspace."""
    if input is not None and not isinstance(input, dict):
        raise BadRequestError("input must be an object")
    idempotency_key = checked_key(idempotency_key)
    args = (workflow_id, user_name, input, version, trigger_type, idempotency_key, only, origin)
    if session is not None:
        return _trigger(session, *args)
    try:
        started = starts.try_trigger(*args)
        if started is not None:
            starts.count_started(started)
            if started.new:
                wakeup.notify_work()
            return TriggerWorkflowResult(started.execution_id)
        with db.session() as s:  # not the common case (services/starts.py): the general path
            result = _trigger(s, *args)
    except IntegrityError:
        if idempotency_key is None:
            raise
        with db.read_session() as s:  # the same key raced us: the first request's execution is the answer
            first = store_idempotency.execution_for_key(s, workflow_id, idempotency_key)
        if first is None:
            raise
        return TriggerWorkflowResult(first)
    return result  # local workers were woken after the commit (_notify_after_commit)


def _trigger(s: Session, workflow_id: str, user_name: str, input: Any, version: int | None,
             trigger_type: str | None, idempotency_key: str | None, only: str | None = None,
             origin: str | None = None) -> TriggerWorkflowResult:
    """Start the execution in `s`; a repeated Idempotency-Key returns the first one instead."""
    found = run_context(s, user_name, workflow_id, version)  # one query instead of four
    if found is None or found.user.disabled:
        raise WorkflowNotFoundError()
    # An API key (`only`) acts only in its own workspace: elsewhere it is an outsider.
    here = found.workflow is not None and (only is None or found.workflow.workspace_id == only)
    role = found.role if here else None
    user, wf = found.user, access.require_role(role, found.user.id, "workflow.run", found.workflow)
    if wf.published_version is None:
        access.require_role(role, user.id, "workflow.run_draft", wf)
    if idempotency_key is not None:
        first = store_idempotency.execution_for_key(s, wf.id, idempotency_key)
        if first is not None:
            return TriggerWorkflowResult(first)
    execution = start_execution(s, wf, user, input, version=version, trigger_type=trigger_type,
                                idempotency_key=idempotency_key, check_input=True, pinned=found.version,
                                origin=origin)
    _notify_after_commit(s)
    return TriggerWorkflowResult(execution.id)


async def atrigger_workflow(**kwargs: Any) -> TriggerWorkflowResult:
    """The async twin of trigger_workflow (the database work runs in a thread)."""
    return await atrigger_in(None, **kwargs)


async def atrigger_in(only: str | None, **kwargs: Any) -> TriggerWorkflowResult:
    """The async twin of trigger_in."""
    if kwargs.get("session") is not None:
        return trigger_in(only, **kwargs)
    return await asyncio.to_thread(lambda: trigger_in(only, **kwargs))


def _notify_after_commit(session: Session) -> None:
    from sqlalchemy import event

    if not session.info.get("wayvo_notify_hooked"):
        session.info["wayvo_notify_hooked"] = True
        event.listen(session, "after_commit", lambda _s: wakeup.notify_work(), once=True)


def start_child_execution(s: Session, *, parent_execution_id: str, parent_step_id: str, workflow_id: str,
                          user_id: str, input: Any) -> str:
    """Trigger Workflow: a child execution of a workflow of the parent's workspace that the user may
    run, in the step's transaction. Refused when the workflow is already running above it (a cycle)
    or the chain is too deep."""
    user = s.get(User, user_id)
    wf = owned_workflow(s, workflow_id, user_id)
    parent = store.get_execution(s, parent_execution_id)
    if parent is not None and parent.workspace_id != wf.workspace_id:
        raise WorkflowNotFoundError()  # a child runs in its parent's workspace, never across
    if input is not None and not isinstance(input, dict):
        raise BadRequestError("Trigger Workflow input must be a JSON object")
    _check_lineage(s, parent_execution_id, wf)
    try:
        child = start_execution(s, wf, user, input, trigger_type="Workflow", check_input=True,
                                parent_execution_id=parent_execution_id, parent_step_id=parent_step_id)
    except ValidationError as exc:  # the parent's step fails, naming the child's refused fields
        raise StepError(f'"{wf.name}" refused its input: {exc.message}', retryable=False) from exc
    except QuotaExceededError as exc:  # a quota frees up with time: the step's retry policy may wait
        raise StepError(f"Trigger Workflow refused: {exc.message}", retryable=True,
                        retry_after=exc.retry_after) from exc
    _notify_after_commit(s)
    return child.id


def _check_lineage(s: Session, parent_execution_id: str, wf: Workflow) -> None:
    max_depth = get_settings().max_workflow_depth
    ancestors = child_runs.ancestor_workflows(s, parent_execution_id, max_depth + 1)
    if wf.id in ancestors:
        raise StepError(f'Trigger Workflow refused: "{wf.name}" is already running above this step '
                        "(a cycle of workflows starting each other)", retryable=False)
    if len(ancestors) > max_depth:
        raise StepError(f"Trigger Workflow refused: workflows nested deeper than {max_depth} levels "
                        "(WAYVO_MAX_WORKFLOW_DEPTH)", retryable=False)


def owned_execution(s: Session, execution_id: str, user_id: Any, *, lock: bool = False,
                    action: str = "execution.view") -> Execution:
    """The execution if the user may do `action` to it (access.py decides); NotFoundError otherwise."""
    return access.execution_for(s, execution_id, user_id, action, lock=lock)


def cancel_execution(execution_id: str, user_id: Any) -> Execution:
    """Stops at once: open steps, approvals and waits are cancelled; running steps are discarded."""
    with db.session() as s:
        execution = owned_execution(s, execution_id, user_id, lock=True, action="execution.cancel")
        if execution.status not in ("running", "paused"):
            raise ConflictError(f"Execution is already {execution.status}")
        now = utcnow()
        _cancel(s, execution, now, "Cancelled by user")
        wake_parent(s, execution, now)  # a parent waiting on this child sees it cancelled
        for child_id in child_runs.open_descendants(s, execution.id):
            child = store.lock_execution(s, child_id)
            if child is not None and child.status in ("running", "paused"):
                _cancel(s, child, now, "Cancelled: its parent execution was cancelled")
        execution.status = "cancelled"
        return execution


def _cancel(s: Session, execution: Execution, now: datetime, reason: str) -> None:
    store.touch_execution(s, execution.id, now, status="cancelled", completed_at=now, error=reason)
    store.cancel_open_steps(s, execution.id, now, reason)
    store_waits.cancel_waits(s, execution.id, now)
    metrics.execution_finished(s, execution.workflow_id, "cancelled")


def retry_execution(execution_id: str, user_id: Any, mode: str) -> Execution:
    """A new execution linked to the old one: from the start, or from the failed step with the
    earlier outputs kept (completed steps are copied, the failed node and what follows run again)."""
    if mode not in ("failed", "start"):
        raise BadRequestError('"from" must be "failed" or "start"')
    with db.session() as s:
        old = owned_execution(s, execution_id, user_id, action="execution.retry")
        if mode == "failed" and old.status not in ("error", "cancelled"):
            raise ConflictError("Only a failed or cancelled execution can be retried from the failed step")
        wf = ensure_active(s.get(Workflow, old.workflow_id))
        user = s.get(User, access.user_id_of(user_id))
        if mode == "start":
            new = start_execution(s, wf, user, old.input, retry_of_id=old.id, trigger_type=old.trigger_type)
        else:
            new = _retry_from_failed(s, old, user)
    wakeup.notify_work()
    return new


def _retry_from_failed(s: Session, old: Execution, user: User) -> Execution:
    from wayvo_app.services.retries import copy_successes_and_resume

    check_can_start(s, old.workspace_id, utcnow())
    return copy_successes_and_resume(s, old, user)

