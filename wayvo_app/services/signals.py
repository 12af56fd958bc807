"""The signal use case: resume the one execution waiting for (namespace, key), buffer an early
signal when asked, and replay the first response for a repeated Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

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
from wayvo_app.services.idempotency import checked_key
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import executions as store_executions
from wayvo_app.store import idempotency as store_idempotency
from wayvo_app.store import waits as store_waits
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import utcnow
from wayvo_app.store.users import user_by_name


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


def _signal(s, workspace_id, namespace, key, payload, source, user_id, buffer_for,
            runner: wakeup.LocalRunner | None = None, handed: list | None = None) -> dict[str, Any]:
    """Resume the workspace's wait for the pair, or buffer the signal in that workspace. With a
    local `runner`, the resumed step is claimed for it here and put in `handed`."""
    now = utcnow()
    owner = runner.owner if runner is not None else None
    until = now + runner.lease if runner is not None else None
    received = store_waits.receive_waiting_event(s, workspace_id, namespace, key, payload, source, now,
                                                 owner=owner, lease_until=until)
    if received is not None:
        if received[2] is not None and handed is not None:
            handed.append(received[2])
        return {"success": True, "waitEventId": received[0], "executionId": received[1], "workflowResumed": True}
    if buffer_for:
        limit = get_settings().max_buffered_signals
        if store_waits.unconsumed_signals(s, workspace_id, now) >= limit:
            raise ConflictError(f"This workspace already holds {limit} buffered signals that no wait has taken "
                                f"(the limit is the setting WAYVO_MAX_BUFFERED_SIGNALS)")
        signal = store_waits.buffer_signal(s, workspace_id=workspace_id, namespace=namespace, key=key, payload=payload, source=source,
                                           user_id=user_id, now=now, expires_at=now + parse_duration(buffer_for))
        return {"success": True, "buffered": True, "signalId": signal.id,
                "expiresAt": signal.expires_at.isoformat(), "workflowResumed": False}
    return _no_waiter(s, workspace_id, namespace, key)


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


def _workspace_of_signal(s, user_id: str, workspace_id: str | None, namespace: str, key: str) -> str:
    """The signal's workspace (its key's, or the sender's personal one); a sender outside it
    finds no waiting event, exactly as if nothing waited there."""
    if workspace_id is None:  # the personal workspace is found through the user's membership
        workspace_id = store_workspaces.personal_workspace_id(s, user_id)
    elif store_workspaces.member_role(s, user_id, workspace_id) is None:
        workspace_id = None
    if not workspace_id:
        raise NoWaitingEventError(f'No workflow is waiting for event "{namespace}" / "{key}"')
    return workspace_id


def deliver_signal(**kwargs: Any) -> SignalResult:
    """`_deliver`, counted: received (a wait resumed), buffered, or refused (raised)."""
    try:
        result = _deliver(**kwargs)
    except WorkflowError:
        SIGNALS.labels("refused").inc()
        raise
    SIGNALS.labels("buffered" if result.buffered else "received").inc()
    return result


def _user_id(s, user_name: str) -> str:
    user = user_by_name(s, user_name)
    if user is None:
        raise NotFoundError(f'User "{user_name}" not found')
    return user.id


def _deliver(*, namespace: str, key: str, payload: Any = None, source: str | None = None,
             user_id: str | None = None, buffer_for: str | None = None, idempotency_key: str | None = None,
             scope: str | None = None, workspace_id: str | None = None,
             user_name: str | None = None) -> SignalResult:
    """Deliver a signal as `user_id` into `workspace_id` (its key's workspace; default the user's
    personal one): only waits of that workspace can be resumed, and a buffered signal is taken only
    there. Raises NoWaitingEventError or EventAlreadyReceivedError; a repeated Idempotency-Key gets
    the first answer again, result or error."""
    namespace, key = (namespace or "").strip(), (key or "").strip()
    idempotency_key = checked_key(idempotency_key)
    if not namespace or not key:
        raise BadRequestError("eventNamespace and eventKey are required")
    if buffer_for:
        _check_buffer_for(buffer_for)
    runner, handed, committed = wakeup.reserve_runner(), [], False  # a local worker takes the step at once
    try:
        with db.session() as s:
            if user_id is None:  # signal_event: the user is looked up in the signal's own transaction
                user_id = _user_id(s, user_name)
            record_scope = f"signal:{scope or user_id}"
            seen = store_idempotency.recorded_response(s, record_scope, idempotency_key) if idempotency_key else None
            if seen is not None:
                return _outcome(seen.response)
            target = _workspace_of_signal(s, user_id, workspace_id, namespace, key)
            body = _signal(s, target, namespace, key, payload, source, user_id, buffer_for, runner, handed)
            if idempotency_key:
                store_idempotency.record_response(s, record_scope, idempotency_key, body)
        committed = True
    except IntegrityError:
        # The same Idempotency-Key raced us: the first request's answer is the answer.
        with db.read_session() as s:
            return _outcome(store_idempotency.recorded_response(s, record_scope, idempotency_key).response)
    finally:
        _hand_over(runner, handed if committed else [])
    if body.get("workflowResumed") and not handed:
        wakeup.notify_work()
    return _outcome(body)


def _hand_over(runner: wakeup.LocalRunner | None, handed: list) -> None:
    """After the signal's commit: the local worker runs the step it claimed (or the slot is freed;
    a step it can no longer take is made due for any worker)."""
    if runner is None:
        return
    if not handed:
        runner.unreserve()
    elif not runner.hand(handed[0]):
        with db.session() as s:
            store_executions.unclaim_step(s, handed[0].id, runner.owner, utcnow())


def signal_event(*, event_namespace: str, event_key: str, payload: Any = None, user_name: str,
                 source: str = "application", buffer_for: str | None = None,
                 workspace_id: str | None = None) -> dict[str, Any]:
    """For application code: signal as `user_name`; returns the API's success body, raises
    NotFoundError (no waiting event) or ConflictError (already received)."""
    return deliver_signal(namespace=event_namespace, key=event_key, payload=payload, source=source,
                          user_name=user_name, buffer_for=buffer_for, workspace_id=workspace_id).body
