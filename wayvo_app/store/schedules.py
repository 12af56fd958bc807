"""Schedule fires: one unique row per (workflow, fire time), so only one worker starts the run."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from wayvo_app.store.models import ScheduleFire


def claim_fire(s: Session, workflow_id: str, fire_at: datetime) -> None:
    """Record the fire in a savepoint; raises IntegrityError when another worker recorded it first."""
    with s.begin_nested():
        s.add(ScheduleFire(workflow_id=workflow_id, fire_at=fire_at))
        s.flush()


def link_fire(s: Session, workflow_id: str, fire_at: datetime, execution_id: str) -> None:
    """Point the fire at the execution it started."""
    s.exec(ScheduleFire.__table__.update().where(
        ScheduleFire.workflow_id == workflow_id, ScheduleFire.fire_at == fire_at)
        .values(execution_id=execution_id))
