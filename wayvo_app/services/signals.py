"""The signal use case: resume the one execution waiting for (namespace, key), buffer an early
signal when asked, and replay the first response for a repeated Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from wayvo_app.core.errors import BadRequestError
from wayvo_app.core.times import parse_duration
from wayvo_app.engine import wakeup
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store.models import (
    BufferedSignal,
    Execution,
    ExecutionStep,
    IdempotencyRecord,
    WaitEvent,
    utcnow,
)


@dataclass(frozen=True)
class SignalResult:
    status_code: int
    body: dict[str, Any]


def _waiting(s, namespace: str, key: str, user_id: str) -> WaitEvent | None:
    stmt = (select(WaitEvent).join(Execution, Execution.id == WaitEvent.execution_id)
            .where(WaitEvent.namespace == namespace, WaitEvent.event_key == key, WaitEvent.status == "waiting",
                   Execution.user_id == user_id))
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=WaitEvent)
    return s.exec(stmt).scalars().first()


def _resume(s, row: WaitEvent, payload: Any, source: str | None, now) -> bool:
    done = s.exec(update(WaitEvent).where(WaitEvent.id == row.id, WaitEvent.status == "waiting")
                  .values(status="received", payload=payload, received_at=now, received_from=source))
    if done.rowcount != 1:
        return False
    s.exec(update(ExecutionStep).where(ExecutionStep.id == row.step_id, ExecutionStep.status == "waiting")
           .values(status="pending", run_at=now))
    store.touch_execution(s, row.execution_id, now)
    store.notify_work(s)
    return True


def _no_waiter(s, namespace: str, key: str, user_id: str) -> SignalResult:
    last = s.exec(select(WaitEvent.status).join(Execution, Execution.id == WaitEvent.execution_id)
                  .where(WaitEvent.namespace == namespace, WaitEvent.event_key == key,
                         Execution.user_id == user_id)
                  .order_by(WaitEvent.created_at.desc()).limit(1)).scalar()
    if last == "received":
        return SignalResult(409, {"success": False, "workflowResumed": False, "code": "already_received",
                                  "error": f'Event "{namespace}" / "{key}" was already received'})
    return SignalResult(404, {"success": False, "workflowResumed": False, "code": "no_waiting_event",
                              "error": f'No workflow is waiting for event "{namespace}" / "{key}"'})


def _signal(s, namespace, key, payload, source, user_id, buffer_for) -> SignalResult:
    now = utcnow()
    row = _waiting(s, namespace, key, user_id)
    if row is not None and _resume(s, row, payload, source, now):
        return SignalResult(200, {"success": True, "waitEventId": row.id, "executionId": row.execution_id,
                                  "workflowResumed": True})
    if buffer_for:
        signal = BufferedSignal(namespace=namespace, event_key=key, payload=payload, received_from=source,
                                user_id=user_id, created_at=now, expires_at=now + parse_duration(buffer_for))
        s.add(signal)
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
                seen = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == record_scope,
                                                              IdempotencyRecord.key == idempotency_key)).scalars().first()
                if seen is not None:
                    return SignalResult(seen.status_code, seen.response)
            result = _signal(s, namespace, key, payload, source, user_id, buffer_for)
            if idempotency_key:
                s.add(IdempotencyRecord(scope=record_scope, key=idempotency_key[:200],
                                        status_code=result.status_code, response=result.body))
                s.flush()
    except IntegrityError:
        # The same Idempotency-Key raced us: the first request's response is the answer.
        with db.read_session() as s:
            seen = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == record_scope,
                                                          IdempotencyRecord.key == idempotency_key)).scalars().one()
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
