"""Records a step's outcome in one transaction: fencing check, pauses, retries, successors and
the execution's status. Nothing here calls a step function."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from wayvo_app.core.errors import StepError, WorkflowError
from wayvo_app.core.graph import Node
from wayvo_app.core.outcomes import (
    Completed,
    Failure,
    SleepUntil,
    Transactional,
    WaitForApproval,
    WaitForChild,
    WaitForEvent,
)
from wayvo_app.core.progress import handles_for_success, has_error_edge
from wayvo_app.core.retry import next_delay, policy_from_config
from wayvo_app.core.specs import NodeSpec, RetryPolicy
from wayvo_app.engine.context import StepContext, mask_secrets
from wayvo_app.engine.loader import StepWorld
from wayvo_app.engine.transitions import advance, fail_execution, refresh_status
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store import waits as store_waits


@dataclass(frozen=True)
class StepRun:
    """A claimed step that ran: what the executor hands the recorder with its outcome."""

    claimed: store.Claimed
    world: StepWorld
    node: Node
    spec: NodeSpec | None
    ctx: StepContext
    now: datetime
    inline: bool = True


@dataclass(frozen=True)
class Recording:
    """One recording transaction: the step run, its locked execution and the snapshot of its
    steps that the recorder keeps current."""

    s: Session
    run: StepRun
    execution: Any
    snap: store.Snapshot

    @property
    def step_id(self) -> str:
        return self.run.claimed.id


def _masked(run: StepRun, outcome: Any) -> Any:
    """The step's integration credentials stay out of what is recorded: input, output, error."""
    secrets = run.ctx.logger.secrets
    if not secrets:
        return outcome
    run.ctx.resolved_input = mask_secrets(run.ctx.resolved_input, secrets)
    if isinstance(outcome, Completed):
        return dataclasses.replace(outcome, output=mask_secrets(outcome.output, secrets))
    if isinstance(outcome, Failure):
        return dataclasses.replace(outcome, message=mask_secrets(outcome.message, secrets))
    return outcome


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

    def record(self, run: StepRun, outcome: Any) -> list:
        """One transaction; run once more if its connection turned out dead (a restarted server):
        the first attempt then committed nothing, or its outcome is there and the fence refuses
        the second (LeaseLost), rolling back anything it applied."""
        return db.retry_once_on_disconnect(lambda: self._record(run, outcome))

    def _record(self, run: StepRun, outcome: Any) -> list:
        claimed, now = run.claimed, run.now
        try:
            with db.session(self.url) as s:
                execution = store.lock_running_execution(s, claimed.execution_id, now)
                if execution is None:
                    store.fence_update(s, claimed.id, self.owner, status="cancelled", finished_at=now)
                    return []
                if isinstance(outcome, Transactional):
                    outcome = self._apply(s, outcome)
                outcome = _masked(run, outcome)
                store.add_logs(s, execution.id, claimed.id, run.node.id, run.ctx.logger.lines, now)
                rec = Recording(s, run, execution, store.snapshot(s, execution.id))
                claimed_next = self._settle(rec, outcome)
                if execution.status != "error":
                    refresh_status(s, execution, now, run.world.graph.trigger().id, rec.snap, touched=True)
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

    def _settle(self, rec: Recording, outcome: Any) -> list:
        base = {"input": rec.run.ctx.resolved_input, "lease_expires_at": None}
        if isinstance(outcome, Completed):
            handles = list(handles_for_success(outcome.branch, outcome.default_taken))
            store.fence_update(rec.s, rec.step_id, self.owner, status="success", output=outcome.output,
                               handles=handles, finished_at=rec.run.now, **base)
            rec.snap.record(rec.run.node.id, "success", handles, outcome.output, rec.run.now)
            return self._advance(rec)
        if isinstance(outcome, SleepUntil):
            self._wait(rec, "sleep", outcome.until, base)
        elif isinstance(outcome, WaitForChild):
            self._wait(rec, "child", None, base)
        elif isinstance(outcome, WaitForApproval):
            return self._approval(rec, outcome, base)
        elif isinstance(outcome, WaitForEvent):
            return self._event(rec, outcome, base)
        elif isinstance(outcome, Failure):
            return self._failure(rec, outcome, base)
        else:
            return self._failure(rec, Failure(f"Step returned an unknown outcome: {type(outcome).__name__}"), base)
        return []

    def _advance(self, rec: Recording) -> list:
        run = rec.run
        return advance(rec.s, rec.execution, run.world.graph, run.node.id, run.now,
                       owner=self.owner if run.inline else None, lease=self.lease, snap=rec.snap,
                       user=run.world.user)

    def _wait(self, rec: Recording, kind: str, until: datetime | None, base: dict, status: str = "waiting") -> None:
        store.fence_update(rec.s, rec.step_id, self.owner, status=status, wait_kind=kind, run_at=until, **base)
        rec.snap.record(rec.run.claimed.node_id, status)

    def _approval(self, rec: Recording, wait: WaitForApproval, base: dict) -> list:
        try:
            request = store_waits.create_approval(rec.s, step=rec.run.claimed, execution=rec.execution,
                                                  wait=wait, now=rec.run.now)
        except StepError as exc:
            return self._failure(rec, Failure(exc.message), base)
        base["output"] = {"approvalRequestId": request.id}
        self._wait(rec, "approval", wait.expires_at, base)
        if wait.send_notification:
            from wayvo_app.mail.approval_notify import notify_approvers

            notify_approvers(rec.s, request, wait, self.settings)
        return []

    def _event(self, rec: Recording, wait: WaitForEvent, base: dict) -> list:
        try:
            row = store_waits.create_wait_event(rec.s, step=rec.run.claimed, wait=wait, now=rec.run.now)
        except StepError as exc:
            return self._failure(rec, Failure(exc.message), base)
        base["output"] = {"waitEventId": row.id, "eventNamespace": row.namespace, "eventKey": row.event_key}
        if row.status == "received":  # a buffered signal was consumed: resume at once
            self._wait(rec, "event", rec.run.now, base, status="pending")
        else:
            self._wait(rec, "event", wait.expires_at, base)
        return []

    def _failure(self, rec: Recording, failure: Failure, base: dict) -> list:
        s, run, execution = rec.s, rec.run, rec.execution
        claimed, node, now = run.claimed, run.node, run.now
        policy = self._policy(node, run.spec)
        tries = claimed.attempt - claimed.recoveries
        delay = next_delay(policy, tries, failure.retry_after) if failure.retryable else None
        counted = failure.retryable and policy.max_attempts > 1  # a non-retryable error is never retried
        message = f"{failure.message} (attempt {tries} of {policy.max_attempts})" if counted else failure.message
        store.add_logs(s, execution.id, claimed.id, node.id, [("error", message)], now)
        if delay is not None:
            store.fence_update(s, claimed.id, self.owner, status="error", error=message, finished_at=now, **base)
            store.insert_steps(s, store.step_rows(execution.id, [node.id], now, attempt=claimed.attempt + 1,
                                                  run_at=now + timedelta(seconds=delay)))
            rec.snap.record(node.id, "pending")
            return []
        error_edge = has_error_edge(run.world.graph, node.id)
        handles = ["error"] if error_edge else []
        store.fence_update(s, claimed.id, self.owner, status="error", error=message, finished_at=now,
                           handles=handles, **base)
        rec.snap.record(node.id, "error", handles)
        if error_edge:
            return self._advance(rec)
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
