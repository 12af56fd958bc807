"""The database facts behind the gauges of GET /metrics, read in one short read transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from wayvo_app.core.times import aware
from wayvo_app.store.models import ApprovalRequest, EmailMessage, Execution, ExecutionStep


@dataclass(frozen=True)
class DatabaseFacts:
    due_steps: int  # pending steps whose run_at has come, not yet claimed by a worker
    oldest_due_age_seconds: float
    executions_by_status: dict[str, int]  # the open ones: running, paused
    approvals_pending: int
    approvals_overdue: int  # pending past their expiry (the expiry has not been processed yet)
    outbox_backlog: int
    oldest_outbox_age_seconds: float


def _age(now: datetime, oldest: datetime | None) -> float:
    return max(0.0, (now - aware(oldest)).total_seconds()) if oldest is not None else 0.0


def database_facts(s: Session, now: datetime) -> DatabaseFacts:
    due = s.exec(select(func.count(), func.min(ExecutionStep.run_at))
                 .where(ExecutionStep.status == "pending", ExecutionStep.run_at <= now)).one()
    by_status = dict(s.exec(select(Execution.status, func.count()).where(Execution.status.in_(("running", "paused")))
                            .group_by(Execution.status)).all())
    pending = s.exec(select(func.count()).select_from(ApprovalRequest)
                     .where(ApprovalRequest.status == "pending")).scalar_one()
    overdue = s.exec(select(func.count()).select_from(ApprovalRequest)
                     .where(ApprovalRequest.status == "pending", ApprovalRequest.expires_at < now)).scalar_one()
    outbox = s.exec(select(func.count(), func.min(EmailMessage.created_at))
                    .where(EmailMessage.status == "pending")).one()
    return DatabaseFacts(due_steps=due[0], oldest_due_age_seconds=_age(now, due[1]),
                         executions_by_status={"running": by_status.get("running", 0),
                                               "paused": by_status.get("paused", 0)},
                         approvals_pending=pending, approvals_overdue=overdue, outbox_backlog=outbox[0],
                         oldest_outbox_age_seconds=_age(now, outbox[1]))
