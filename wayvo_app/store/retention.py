"""Retention's statements: finished executions past their workflow's retention (with everything that
hangs off them), old outbox mail, expired buffered signals and idempotency records. Every delete
takes at most `limit` rows chosen by primary key, so one transaction never holds a hot table long.
A pruned execution leaves a tombstone (pruned_executions) so that links to it can say so."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from wayvo_app.store.dialect import is_postgres
from wayvo_app.store.models import (
    ApprovalAudience,
    ApprovalDecision,
    ApprovalRequest,
    BufferedSignal,
    EmailMessage,
    Execution,
    ExecutionLog,
    ExecutionStep,
    IdempotencyRecord,
    PrunedExecution,
    WaitEvent,
    Workflow,
)

FINISHED = ("success", "error", "cancelled")  # never running or paused ones


def _delete_some(s: Session, model, pk, condition, limit: int) -> int:
    """Deletes up to `limit` rows matching `condition`, chosen by primary key first."""
    ids = list(s.exec(select(pk).where(condition).limit(limit)).scalars())
    if ids:
        s.exec(delete(model).where(pk.in_(ids)))
    return len(ids)


def old_execution_ids(s: Session, now: datetime, default_days: int, limit: int) -> list[str]:
    """Up to `limit` finished executions that completed longer ago than their workflow keeps them
    (its `retention_days`, else `default_days`; 0 or less keeps them forever), oldest first."""
    overrides = s.exec(select(Workflow.retention_days).where(Workflow.retention_days.is_not(None))
                       .distinct()).scalars()
    groups = [(Workflow.retention_days.is_(None), default_days)]
    groups += [(Workflow.retention_days == days, days) for days in overrides]
    ids: list[str] = []
    for which, days in groups:
        if days <= 0 or len(ids) >= limit:
            continue
        stmt = (select(Execution.id)
                .where(Execution.completed_at < now - timedelta(days=days), Execution.status.in_(FINISHED),
                       Execution.workflow_id.in_(select(Workflow.id).where(which)))
                .order_by(Execution.completed_at).limit(limit - len(ids)))
        ids += s.exec(stmt).scalars()
    return ids


def delete_execution_children(s: Session, execution_ids: list[str], limit: int) -> int:
    """One batch of the rows hanging off these executions, the deepest first (approval requests with
    their decisions and audience, then mail, waits, logs, steps); 0 once none is left."""
    requests = list(s.exec(select(ApprovalRequest.id).where(ApprovalRequest.execution_id.in_(execution_ids))
                           .limit(max(1, limit // 10))).scalars())
    if requests:
        s.exec(delete(ApprovalDecision).where(ApprovalDecision.request_id.in_(requests)))
        s.exec(delete(ApprovalAudience).where(ApprovalAudience.request_id.in_(requests)))
        s.exec(delete(ApprovalRequest).where(ApprovalRequest.id.in_(requests)))
        return len(requests)
    for model, column in ((EmailMessage, EmailMessage.execution_id), (WaitEvent, WaitEvent.execution_id),
                          (ExecutionLog, ExecutionLog.execution_id), (ExecutionStep, ExecutionStep.execution_id)):
        if deleted := _delete_some(s, model, model.id, column.in_(execution_ids), limit):
            return deleted
    return 0


def _insert_ignoring_duplicates(s: Session, rows: list[dict]) -> None:
    """Tombstones; another worker pruning the same batch at once may have written them already."""
    insert = postgresql.insert if is_postgres(s) else sqlite.insert
    s.exec(insert(PrunedExecution).values(rows).on_conflict_do_nothing(index_elements=["id"]))


def delete_executions(s: Session, execution_ids: list[str], now: datetime) -> int:
    """The executions themselves (those still finished), each leaving a tombstone; their children
    must be gone already (delete_execution_children until it returns 0)."""
    rows = s.exec(select(Execution.id, Execution.workflow_id, Execution.workspace_id, Execution.user_id,
                         Execution.status, Execution.completed_at)
                  .where(Execution.id.in_(execution_ids), Execution.status.in_(FINISHED))).all()
    if not rows:
        return 0
    _insert_ignoring_duplicates(s, [{"id": r.id, "workflow_id": r.workflow_id, "workspace_id": r.workspace_id,
                                     "user_id": r.user_id, "status": r.status, "completed_at": r.completed_at,
                                     "pruned_at": now} for r in rows])
    s.exec(delete(Execution).where(Execution.id.in_([r.id for r in rows]), Execution.status.in_(FINISHED)))
    return len(rows)


def delete_old_mail(s: Session, cutoff: datetime, limit: int) -> int:
    """Mail created before `cutoff` whose execution is gone (or that had none): the mail of a kept
    execution goes with it."""
    orphan = or_(EmailMessage.execution_id.is_(None),
                 ~exists().where(Execution.id == EmailMessage.execution_id))
    return _delete_some(s, EmailMessage, EmailMessage.id, and_(EmailMessage.created_at < cutoff, orphan), limit)


def delete_expired_signals(s: Session, cutoff: datetime, limit: int) -> int:
    """Buffered signals that expired before `cutoff` (taken or not: either way no wait can take them)."""
    return _delete_some(s, BufferedSignal, BufferedSignal.id, BufferedSignal.expires_at < cutoff, limit)


def delete_old_idempotency(s: Session, cutoff: datetime, limit: int) -> int:
    return _delete_some(s, IdempotencyRecord, IdempotencyRecord.id, IdempotencyRecord.created_at < cutoff, limit)


def delete_old_tombstones(s: Session, cutoff: datetime, limit: int) -> int:
    return _delete_some(s, PrunedExecution, PrunedExecution.id, PrunedExecution.pruned_at < cutoff, limit)


def tombstone(s: Session, execution_id: str) -> PrunedExecution | None:
    return s.get(PrunedExecution, execution_id)

