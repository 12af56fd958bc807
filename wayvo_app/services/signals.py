"""The signal use case: resume the one execution waiting for (namespace, key), buffer an early
signal when asked, and replay the first response for a repeated Idempotency-Key."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError

from wayvo_app.core.errors import (
    BadRequestError,
    ConflictError,
    EventAlreadyReceivedError,
    NotFoundError,
    NoWaitingEventError,
    WorkflowError,
)
from wayvo_app.core.times import parse_duration
from wayvo_app.engine import wakeup
from wayvo_app.engine.metrics import SIGNALS
from wayvo_app.services import handover
from wayvo_app.services.idempotency import checked_key
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import idempotency as store_idempotency
from wayvo_app.store import waits as store_waits
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import utcnow

log = logging.getLogger("wayvo.signals")


@dataclass(frozen=True)
class SignalResult:
    """A delivered signal: it resumed the waiting execution, or was buffered for a later wait.
    `body` is the API's answer."""

    body: dict[str, Any]

    @property
    def buffered(self) -> bool:
        return bool(self.body.get("buffered"))


_REFUSALS: dict[str, type[WorkflowError]] = {
    NoWaitingEventError.code: NoWaitingEventError, EventAlreadyReceivedError.code: EventAlreadyReceivedError}


def refusal_body(exc: WorkflowError) -> dict[str, Any]:
    """The API's answer to a refused signal (also what a replayed Idempotency-Key returns)."""
    return {"success": False, "workflowResumed": False, "code": exc.code, "error": exc.message}


def _no_waiter(s, workspace_id: str, namespace: str, key: str) -> dict[str, Any]:
    if store_waits.last_event_status(s, workspace_id, namespace, key) == "received":
        return refusal_body(EventAlreadyReceivedError(f'Event "{namespace}" / "{key}" was already received'))
    return refusal_body(NoWaitingEventError(f'No workflow is waiting for event "{namespace}" / "{key}"'))


def _resume(s, user_id, workspace_id, namespace, key, payload, source,
            runner: wakeup.LocalRunner | None = None, handed: list | None = None,
            user_name: str | None = None, record: bool = False) -> dict[str, Any] | None:
    """Resume the workspace's wait for the pair (the sender must be a member); None when nothing
    waits. With a local `runner`, the resumed step is claimed for it here, with what it needs to
    run (no read of its own), and put in `handed`. With `record` (PostgreSQL, a transaction of
    its own), the step is recorded in this transaction, which that COMMITS, and its successors
    go in `handed` instead (services.handover.record_in). With `user_name`, the sender (and
    without a workspace, their personal one) is found in the same statement."""
    now = utcnow()
    owner = runner.owner if runner is not None else None
    until = now + runner.lease if runner is not None else None
    done = store_waits.deliver_to_wait(s, user_id, workspace_id, namespace, key, payload, source, now,
                                       owner=owner, lease_until=until, user_name=user_name)
    if user_name is not None and done.user_id is None:
        raise NotFoundError(f'User "{user_name}" not found')
    if not done.member:  # a sender outside the workspace finds nothing waiting, whatever waits there
        raise NoWaitingEventError(f'No workflow is waiting for event "{namespace}" / "{key}"')
    if done.wait_id is None:
        return None
    if done.claimed is not None and handed is not None:
        step = _with_world(s, done, store_waits.received_json(done, namespace, key, payload, source, now))
        handed.extend(handover.record_in(s, runner, step, done.steps) if record else [step])
    return {"success": True, "waitEventId": done.wait_id, "executionId": done.execution_id, "workflowResumed": True}


def _signal(s, user_id, workspace_id, namespace, key, payload, source, buffer_for,
            runner: wakeup.LocalRunner | None = None, handed: list | None = None) -> dict[str, Any]:
    """`_resume`, or else buffer the signal in the workspace (`buffer_for`), or else refuse it."""
    resumed = _resume(s, user_id, workspace_id, namespace, key, payload, source, runner, handed)
    if resumed is not None:
        return resumed
    if buffer_for:
        now = utcnow()
        limit = get_settings().max_buffered_signals
        if store_waits.unconsumed_signals(s, workspace_id, now) >= limit:
            raise ConflictError(f"This workspace already holds {limit} buffered signals that no wait has taken "
                                f"(the limit is the setting WAYVO_MAX_BUFFERED_SIGNALS)")
        signal = store_waits.buffer_signal(s, workspace_id=workspace_id, namespace=namespace, key=key, payload=payload, source=source,
                                           user_id=user_id, now=now, expires_at=now + parse_duration(buffer_for))
        return {"success": True, "buffered": True, "signalId": signal.id,
                "expiresAt": signal.expires_at.isoformat(), "workflowResumed": False}
    return _no_waiter(s, workspace_id, namespace, key)


def _with_world(s, done: store_waits.Delivered, resolution: dict[str, Any]):
    """The claimed step with its world and its wait's outcome: the worker runs it without a read."""
    return handover.with_world(s, done.claimed, resolution, execution=done.execution, user=done.user,
                               outputs=done.outputs)


def _outcome(body: dict[str, Any]) -> SignalResult:
    """The answer as a result, or the typed error of a refusal (recorded answers replay the same way)."""
    refused = _REFUSALS.get(body.get("code")) if body.get("success") is False else None
    if refused is not None:
        raise refused(body["error"])
    return SignalResult(body)


def _check_buffer_for(buffer_for: str) -> None:
    try:
        asked = parse_duration(buffer_for)
    except ValueError as exc:
        raise BadRequestError(f"bufferFor: {exc}")
    longest = get_settings().max_buffer_for
    if asked > parse_duration(longest):
        raise BadRequestError(f'bufferFor "{buffer_for}" is longer than {longest} '
                              f"(the limit is the setting WAYVO_MAX_BUFFER_FOR)")


def _sender(s, user_name: str, workspace_id: str | None) -> tuple[str, str | None]:
    """signal_event's sender by name and, without a workspace, their personal one (one query)."""
    found = store_waits.signal_sender(s, user_name, personal=workspace_id is None)
    if found is None:
        raise NotFoundError(f'User "{user_name}" not found')
    return found[0], workspace_id or found[1]


def _fields(namespace: str | None, key: str | None, buffer_for: str | None,
            idempotency_key: str | None) -> tuple[str, str, str | None]:
    """The pair trimmed and the Idempotency-Key checked; 400 for a missing pair or a bad bufferFor."""
    namespace, key = (namespace or "").strip(), (key or "").strip()
    idempotency_key = checked_key(idempotency_key)
    if not namespace or not key:
        raise BadRequestError("eventNamespace and eventKey are required")
    if buffer_for:
        _check_buffer_for(buffer_for)
    return namespace, key, idempotency_key


def deliver_signal(**kwargs: Any) -> SignalResult:
    """`_deliver`, counted: received (a wait resumed), buffered, or refused (raised)."""
    try:
        result = _deliver(**kwargs)
    except WorkflowError:
        SIGNALS.labels("refused").inc()
        raise
    SIGNALS.labels("buffered" if result.buffered else "received").inc()
    return result


def _deliver(*, namespace: str, key: str, payload: Any = None, source: str | None = None,
             user_id: str | None = None, buffer_for: str | None = None, idempotency_key: str | None = None,
             scope: str | None = None, workspace_id: str | None = None,
             user_name: str | None = None, authorize: Callable[[Any], Any] | None = None) -> SignalResult:
    """Deliver a signal as `user_id` into `workspace_id` (its key's workspace; default the user's
    personal one): only waits of that workspace can be resumed, and a buffered signal is taken only
    there. Raises NoWaitingEventError or EventAlreadyReceivedError; a repeated Idempotency-Key gets
    the first answer again, result or error. `authorize(session)` (the API) finds the caller in
    the signal's own transaction: a Principal with the key's workspace and name (the source)."""
    if authorize is None:
        namespace, key, idempotency_key = _fields(namespace, key, buffer_for, idempotency_key)
    runner, handed, committed = wakeup.reserve_runner(), [], False  # a local worker takes the step at once
    try:
        if idempotency_key is None and db.is_postgres_url():
            # The usual case: the wait's statement does every write (after the key's lookup, for
            # the API). Where the resumed step's record can be made here (handover.records_here),
            # it claims the step and, in the same transaction, records it with its successors:
            # two round trips, and a worker starts at the next step. Otherwise (or when that
            # transaction failed: nothing of it committed) the statement commits by itself and
            # the step is handed over or due. Nothing waiting: the transaction below decides.
            caller = None
            for record in (True, False) if handover.records_here() else (False,):
                if record and runner is None:
                    runner = handover.HERE
                if record and (authorize is not None or user_id is not None):  # lookups that commit by themselves
                    with db.autocommit_session() as s:
                        caller = _caller(s, authorize, user_id, workspace_id, namespace, key, source, buffer_for)
                try:
                    with db.session() if record else db.autocommit_session() as s:
                        if caller is None:
                            caller = _caller(s, authorize, user_id, workspace_id, namespace, key, source, buffer_for)
                        uid, ws, namespace, key, source = caller
                        body = _resume(s, uid, ws, namespace, key, payload, source, runner, handed,
                                       user_name=user_name if uid is None else None, record=record)
                    break
                except DBAPIError:  # nothing of it committed: once more as one statement, as without the record
                    if not record:
                        raise
                    log.warning("a signal's transaction that recorded its wait failed; signalling without the record",
                                exc_info=True)
                    handed.clear()
                    runner = None if runner is handover.HERE else runner
            if body is not None:
                committed = True
                return _resumed(body, handed)
            if runner is handover.HERE:
                runner = None
        with db.session() as s:
            if authorize is not None:  # the API key, checked in the signal's own transaction
                me = authorize(s)  # 401/403 (and the route's own 400s) come before the fields' 400s
                user_id, workspace_id, source = me.id, me.workspace_id, me.via_api_key
                namespace, key, idempotency_key = _fields(namespace, key, buffer_for, idempotency_key)
            elif user_id is None:  # signal_event: the user is looked up in the signal's own transaction
                user_id, workspace_id = _sender(s, user_name, workspace_id)
            elif workspace_id is None:
                workspace_id = store_workspaces.personal_workspace_id(s, user_id)
            record_scope = f"signal:{scope or user_id}"
            seen = store_idempotency.recorded_response(s, record_scope, idempotency_key) if idempotency_key else None
            if seen is not None:
                return _outcome(seen.response)
            if not workspace_id:
                raise NoWaitingEventError(f'No workflow is waiting for event "{namespace}" / "{key}"')
            body = _signal(s, user_id, workspace_id, namespace, key, payload, source, buffer_for, runner, handed)
            if idempotency_key:
                store_idempotency.record_response(s, record_scope, idempotency_key, body)
        committed = True
    except IntegrityError:
        # The same Idempotency-Key raced us: the first request's answer is the answer.
        with db.read_session() as s:
            return _outcome(store_idempotency.recorded_response(s, record_scope, idempotency_key).response)
    finally:
        handover.hand_over(runner, handed if committed else [])
    return _resumed(body, handed)


def _caller(s, authorize, user_id, workspace_id, namespace, key, source, buffer_for) -> tuple:
    """`_resume`'s first arguments (user id, workspace, pair, source): the API key's caller and its
    workspace (401/403 first, then the fields' 400s), or the user id's personal workspace when none
    was given; signal_event's user (no id) is found by name in the signal's own statement."""
    if authorize is not None:
        me = authorize(s)
        namespace, key, _ = _fields(namespace, key, buffer_for, None)
        user_id, workspace_id, source = me.id, me.workspace_id, me.via_api_key
    elif user_id is not None and workspace_id is None:
        workspace_id = store_workspaces.personal_workspace_id(s, user_id)
    if user_id is not None and not workspace_id:
        raise NoWaitingEventError(f'No workflow is waiting for event "{namespace}" / "{key}"')
    return user_id, workspace_id, namespace, key, source


def _resumed(body: dict[str, Any], handed: list) -> SignalResult:
    if body.get("workflowResumed") and not handed:
        wakeup.notify_work()
    return _outcome(body)


def signal_event(*, event_namespace: str, event_key: str, payload: Any = None, user_name: str,
                 source: str = "application", buffer_for: str | None = None,
                 workspace_id: str | None = None) -> dict[str, Any]:
    """For application code: signal as `user_name`; returns the API's success body, raises
    NotFoundError (no waiting event) or ConflictError (already received)."""
    return deliver_signal(namespace=event_namespace, key=event_key, payload=payload, source=source,
                          user_name=user_name, buffer_for=buffer_for, workspace_id=workspace_id).body
