"""The signal use case: resume the one execution waiting for (namespace, key), buffer an early
signal when asked, and replay the first response for a repeated Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from wayvo_app.core.errors import BadRequestError
from wayvo_app.core.times import parse_duration
from wayvo_app.engine import wakeup
from wayvo_app.store import db
from wayvo_app.store import idempotency as store_idempotency
from wayvo_app.store import waits as store_waits
from wayvo_app.store.models import utcnow


@dataclass(frozen=True)
class SignalResult:
    status_code: int
    body: dict[str, Any]


def _no_waiter(s, namespace: str, key: str, user_id: str) -> SignalResult:
    if store_waits.last_event_status(s, namespace, key, user_id) == "received":
        return SignalResult(409, {"success": False, "workflowResumed": False, "code": "already_received",
                                  "error": f'Event "{namespace}" / "{key}" was already received'})
    return SignalResult(404, {"success": False, "workflowResumed": False, "code": "no_waiting_event",
                              "error": f'No workflow is waiting for event "{namespace}" / "{key}"'})


def _signal(s, namespace, key, payload, source, user_id, buffer_for) -> SignalResult:
    now = utcnow()
    row = store_waits.waiting_event(s, namespace, key, user_id)
    if row is not None and store_waits.receive_event(s, row, payload, source, now):
        return SignalResult(200, {"success": True, "waitEventId": row.id, "executionId": row.execution_id,
                                  "workflowResumed": True})
    if buffer_for:
        signal = store_waits.buffer_signal(s, namespace=namespace, key=key, payload=payload, source=source,
                                           user_id=user_id, now=now, expires_at=now + parse_duration(buffer_for))
        return SignalResult(202, {"success": True, "buffered": True, "signalId": signal.id,
                                  "expiresAt": signal.expires_at.isoformat(), "workflowResumed": False})
    return _no_waiter(s, namespace, key, user_id)


def deliver_signal(*, namespace: str, key: str, payload: Any = None, source: str | None = None, user_id: str,
                 buffer_for: str | None = None, idempotency_key: str | None = None,
                 scope: str | None = None) -> SignalResult:
    """Deliver a signal as `user_id` (only that user's executions can be resumed)."""
    namespace, key = (namespace or "").strip(), (key or "").strip()
    if not namespace or not key:
        raise BadRequestError("eventNamespace and eventKey are required")
    if buffer_for:
        try:
            parse_duration(buffer_for)
        except ValueError as exc:
            raise BadRequestError(f"bufferFor: {exc}")
    record_scope = f"signal:{scope or user_id}"
    try:
        with db.session() as s:
            if idempotency_key:
                seen = store_idempotency.recorded_response(s, record_scope, idempotency_key)
                if seen is not None:
                    return SignalResult(seen.status_code, seen.response)
            result = _signal(s, namespace, key, payload, source, user_id, buffer_for)
            if idempotency_key:
                store_idempotency.record_response(s, record_scope, idempotency_key, result.status_code,
                                                  result.body)
    except IntegrityError:
        # The same Idempotency-Key raced us: the first request's response is the answer.
        with db.read_session() as s:
            seen = store_idempotency.recorded_response(s, record_scope, idempotency_key)
            return SignalResult(seen.status_code, seen.response)
    if result.body.get("workflowResumed"):
        wakeup.notify_work()
    return result


def signal_event(*, event_namespace: str, event_key: str, payload: Any = None, user_name: str,
                 source: str = "application", buffer_for: str | None = None) -> dict[str, Any]:
    """For application code: signal as `user_name`; returns the API's success body, raises
    NotFoundError (no waiting event) or ConflictError (already received)."""
    from sqlalchemy import select as _select

    from wayvo_app.core.errors import ConflictError, NotFoundError
    from wayvo_app.services.accounts import normalize_user_name
    from wayvo_app.store.models import User

    with db.read_session() as s:
        user_id = s.exec(_select(User.id).where(User.user_name == normalize_user_name(user_name))).scalar()
    if user_id is None:
        raise NotFoundError(f'User "{user_name}" not found')
    result = deliver_signal(namespace=event_namespace, key=event_key, payload=payload, source=source,
                            user_id=user_id, buffer_for=buffer_for)
    if result.status_code == 409:
        raise ConflictError(result.body["error"])
    if result.status_code == 404:
        raise NotFoundError(result.body["error"])
    return result.body
