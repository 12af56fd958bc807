"""Idempotency records: the first response to a request with an Idempotency-Key, kept to replay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.store.models import Execution, IdempotencyRecord


def recorded_response(s: Session, scope: str, key: str) -> IdempotencyRecord | None:
    return s.exec(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                  IdempotencyRecord.key == key)).scalars().first()


def record_response(s: Session, scope: str, key: str, body: dict[str, Any]) -> None:
    """Flushed at once: a concurrent request with the same key fails here (IntegrityError). The
    answer is read back from the body alone (its status is the API's business, not the store's)."""
    s.add(IdempotencyRecord(scope=scope, key=key[:200], response=body))
    s.flush()


def execution_for_key(s: Session, workflow_id: str, key: str) -> str | None:
    """The id of the execution that a request with this Idempotency-Key started, if any."""
    return s.exec(select(Execution.id).where(Execution.workflow_id == workflow_id,
                                             Execution.idempotency_key == key)).scalars().first()
