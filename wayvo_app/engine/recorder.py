"""Records a step's outcome in one transaction: fencing check, pauses, retries, successors and
the execution's status. Nothing here calls a step function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from wayvo_app.core.errors import StepError, WorkflowError
from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.outcomes import (
    Completed,
    SleepUntil,
    Transactional,
    WaitForApproval,
    WaitForChild,
    WaitForEvent,
)
from wayvo_app.core.progress import execution_status, handles_for_success, has_error_edge, plan_after
from wayvo_app.core.retry import next_delay, policy_from_config
from wayvo_app.core.specs import RetryPolicy
from wayvo_app.engine.loader import StepWorld
from wayvo_app.store import db, dialect
from wayvo_app.store import executions as store
from wayvo_app.store import waits as store_waits
from wayvo_app.store.models import Execution


@dataclass(frozen=True)
class Failure:
    message: str
    retryable: bool = False
    retry_after: float | None = None


def advance(s: Session, execution: Execution, graph: WorkflowGraph, finished: str, now: datetime,
            *, owner: str | None = None, lease: timedelta | None = None,
            snap: store.Snapshot | None = None, user: Any = None) -> list[store.Claimed]:
    """Create the steps that became ready after `finished`; with `owner`, claim them inline
    (carrying what they need to run, so the worker does not read it again)."""
    snap = snap or store.snapshot(s, execution.id)
    plan = plan_after(graph, snap.states, finished)
    rows = store.step_rows(execution.id, list(plan.skip), now, status="skipped", handles=[])
    rows += store.step_rows(execution.id, list(plan.passthrough), now, status="skipped", handles=["default"])
    run_status = "running" if owner else "pending"
    run_rows = store.step_rows(execution.id, list(plan.run), now, status=run_status, owner=owner, lease=lease)
    store.insert_steps(s, rows + run_rows)
    if run_rows and not owner:
        dialect.notify_work(s)
    for row in rows + run_rows:
        snap.record(row["node_id"], row["status"], row["handles"])
    if not owner:
        return []
    world = StepWorld(execution, graph, user, dict(snap.outputs)) if user is not None else None
    return [store.Claimed(r["id"], execution.id, r["node_id"], 1, None, 0, world) for r in run_rows]


def refresh_status(s: Session, execution: Execution, now: datetime, trigger_id: str | None,
                   snap: store.Snapshot | None = None) -> str:
    """Derive the execution's status from its steps; finishing wakes a waiting parent step."""
    snap = snap or store.snapshot(s, execution.id)
    status = execution_status(snap.states)
    values: dict[str, Any] = {"status": status}
    if status == "success":
        values.update(output=snap.last_output(exclude=trigger_id), completed_at=now)
    store.touch_execution(s, execution.id, now, **values)
    execution.status = status
    if status == "success":
        wake_parent(s, execution, now)
    return status


def wake_parent(s: Session, execution: Execution, now: datetime) -> None:
    if execution.parent_step_id:
        store_waits.resume_waiting_step(s, execution.parent_step_id, now)


def fail_execution(s: Session, execution: Execution, message: str, now: datetime) -> None:
    store.touch_execution(s, execution.id, now, status="error", error=message, completed_at=now)
    store.cancel_open_steps(s, execution.id, now, "Cancelled: another node failed")
    store_waits.cancel_waits(s, execution.id, now)
    wake_parent(s, execution, now)


class Recorder:
    def __init__(self, *, owner: str, registry: Any, settings: Any, url: str | None, lease: timedelta):
        self.owner, self.registry, self.settings, self.url, self.lease = owner, registry, settings, url, lease

    def discard(self, claimed: store.Claimed, now: datetime) -> None:
        try:
            with db.session(self.url) as s:
                store.fence_update(s, claimed.id, self.owner, status="cancelled", finished_at=now,
                                   error="Execution is no longer running")
        except store.LeaseLost:
            pass

    def record(self, claimed, world, node, spec, ctx, outcome, now: datetime, *, inline: bool) -> list:
        try:
            with db.session(self.url) as s:
                execution = store.lock_execution(s, claimed.execution_id)
                if execution is None or execution.status not in ("running", "paused"):
                    store.fence_update(s, claimed.id, self.owner, status="cancelled", finished_at=now)
                    return []
                if isinstance(outcome, Transactional):
                    outcome = self._apply(s, outcome)
                store.add_logs(s, execution.id, claimed.id, node.id, ctx.logger.lines, now)
                # Per-record state: record() never awaits, so one worker's records never interleave.
                self._snap = store.snapshot(s, execution.id)
                self._user = world.user
                claimed_next = self._settle(s, execution, world.graph, claimed, node, spec, ctx, outcome,
                                            now, inline)
                if execution.status != "error":
                    refresh_status(s, execution, now, world.graph.trigger().id, self._snap)
                return claimed_next
        except store.LeaseLost:
            return []

    @staticmethod
    def _apply(s: Session, outcome: Transactional) -> Any:
        try:
            with s.begin_nested():
                return outcome.apply(s)
        except StepError as exc:
            return Failure(exc.message, exc.retryable, exc.retry_after)
        except WorkflowError as exc:
            return Failure(exc.message)
        except Exception as exc:  # noqa: BLE001 - the write failed: the step fails, nothing applied
            return Failure(f"{type(exc).__name__}: {exc}")

    def _settle(self, s, execution, graph, claimed, node, spec, ctx, outcome, now, inline) -> list:
        base = {"input": ctx.resolved_input, "lease_expires_at": None}
        if isinstance(outcome, Completed):
            handles = list(handles_for_success(outcome.branch, outcome.default_taken))
            store.fence_update(s, claimed.id, self.owner, status="success", output=outcome.output,
                               handles=handles, finished_at=now, **base)
            self._snap.record(node.id, "success", handles, outcome.output, now)
            return self._advance(s, execution, graph, node.id, now, inline)
        if isinstance(outcome, SleepUntil):
            self._wait(s, claimed, "sleep", outcome.until, base)
        elif isinstance(outcome, WaitForChild):
            self._wait(s, claimed, "child", None, base)
        elif isinstance(outcome, WaitForApproval):
            return self._approval(s, execution, graph, claimed, node, spec, outcome, now, base, inline)
        elif isinstance(outcome, WaitForEvent):
            return self._event(s, execution, graph, claimed, node, spec, outcome, now, base, inline)
        elif isinstance(outcome, Failure):
            return self._failure(s, execution, graph, claimed, node, spec, outcome, now, base, inline)
        else:
            failure = Failure(f"Step returned an unknown outcome: {type(outcome).__name__}")
            return self._failure(s, execution, graph, claimed, node, spec, failure, now, base, inline)
        return []

    def _advance(self, s, execution, graph, node_id: str, now, inline: bool) -> list:
        owner = self.owner if inline else None
        return advance(s, execution, graph, node_id, now, owner=owner, lease=self.lease, snap=self._snap,
                       user=self._user)

    def _wait(self, s, claimed, kind: str, until: datetime | None, base: dict, status: str = "waiting") -> None:
        store.fence_update(s, claimed.id, self.owner, status=status, wait_kind=kind, run_at=until, **base)
        self._snap.record(claimed.node_id, status)

    def _approval(self, s, execution, graph, claimed, node, spec, wait, now, base, inline) -> list:
        try:
            request = store_waits.create_approval(s, step=claimed, execution=execution, wait=wait, now=now)
        except StepError as exc:
            return self._failure(s, execution, graph, claimed, node, spec, Failure(exc.message), now, base, inline)
        base["output"] = {"approvalRequestId": request.id}
        self._wait(s, claimed, "approval", wait.expires_at, base)
        if wait.send_notification:
            from wayvo_app.mail.approval_notify import notify_approvers

            notify_approvers(s, request, wait, self.settings)
        return []

    def _event(self, s, execution, graph, claimed, node, spec, wait, now, base, inline) -> list:
        try:
            row = store_waits.create_wait_event(s, step=claimed, wait=wait, now=now)
        except StepError as exc:
            return self._failure(s, execution, graph, claimed, node, spec, Failure(exc.message), now, base, inline)
        base["output"] = {"waitEventId": row.id, "eventNamespace": row.namespace, "eventKey": row.event_key}
        if row.status == "received":  # a buffered signal was consumed: resume at once
            self._wait(s, claimed, "event", now, base, status="pending")
        else:
            self._wait(s, claimed, "event", wait.expires_at, base)
        return []

    def _failure(self, s, execution, graph, claimed, node, spec, failure: Failure, now, base, inline) -> list:
        policy = self._policy(node, spec)
        tries = claimed.attempt - claimed.recoveries
        delay = next_delay(policy, tries, failure.retry_after) if failure.retryable else None
        counted = failure.retryable and policy.max_attempts > 1  # a non-retryable error is never retried
        message = f"{failure.message} (attempt {tries} of {policy.max_attempts})" if counted else failure.message
        store.add_logs(s, execution.id, claimed.id, node.id, [("error", message)], now)
        if delay is not None:
            store.fence_update(s, claimed.id, self.owner, status="error", error=message, finished_at=now, **base)
            store.insert_steps(s, store.step_rows(execution.id, [node.id], now, attempt=claimed.attempt + 1,
                                                  run_at=now + timedelta(seconds=delay)))
            self._snap.record(node.id, "pending")
            return []
        error_edge = has_error_edge(graph, node.id)
        handles = ["error"] if error_edge else []
        store.fence_update(s, claimed.id, self.owner, status="error", error=message, finished_at=now,
                           handles=handles, **base)
        self._snap.record(node.id, "error", handles)
        if error_edge:
            return self._advance(s, execution, graph, node.id, now, inline)
        fail_execution(s, execution, f'Node "{node.label}" failed: {message}', now)
        execution.status = "error"
        return []

    @staticmethod
    def _policy(node, spec) -> RetryPolicy:
        default = spec.retry if spec is not None else RetryPolicy()
        try:
            return policy_from_config(node.config.get("retry"), default)
        except ValueError:
            return default
