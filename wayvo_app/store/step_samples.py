"""Builder step data kept apart from executions: the latest "Test this step" result of a node and
the trigger's pinned sample input (one row per workflow, node and kind)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from wayvo_app.store.models import StepSample


def save_sample(s: Session, workflow_id: str, node_id: str, kind: str, *, user_id: str, now: datetime,
                status: str = "success", input: Any = None, output: Any = None, error: str | None = None,
                note: str = "") -> StepSample:
    """Replace the node's sample of this kind (the newest test or pin wins)."""
    s.exec(delete(StepSample).where(StepSample.workflow_id == workflow_id, StepSample.node_id == node_id,
                                    StepSample.kind == kind))
    row = StepSample(workflow_id=workflow_id, node_id=node_id, kind=kind, status=status, input=input,
                     output=output, error=error, note=note[:500], user_id=user_id, created_at=now)
    s.add(row)
    s.flush()
    return row


def delete_sample(s: Session, workflow_id: str, node_id: str, kind: str) -> None:
    s.exec(delete(StepSample).where(StepSample.workflow_id == workflow_id, StepSample.node_id == node_id,
                                    StepSample.kind == kind))


def samples_of(s: Session, workflow_id: str) -> list[StepSample]:
    return list(s.exec(select(StepSample).where(StepSample.workflow_id == workflow_id)
                       .order_by(StepSample.created_at)).scalars())

