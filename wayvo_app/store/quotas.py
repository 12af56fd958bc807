"""The counts the workspace quotas are checked against: executions running now, and child runs
started lately. Each count stops one past the limit, so a busy workspace costs a bounded read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from wayvo_app.store.models import Execution


def _capped_count(s: Session, stmt, cap: int) -> int:
    return s.exec(select(func.count()).select_from(stmt.limit(cap).subquery())).scalar_one()


def running_in_workspace(s: Session, workspace_id: str, cap: int) -> int:
    """Executions of the workspace running now (paused ones wait for people or events: not counted)."""
    stmt = select(Execution.id).where(Execution.workspace_id == workspace_id, Execution.status == "running")
    return _capped_count(s, stmt, cap)


def children_since(s: Session, workspace_id: str, since: datetime, cap: int) -> int:
    """Executions started by Trigger Workflow in the workspace since `since`."""
    stmt = select(Execution.id).where(Execution.workspace_id == workspace_id, Execution.started_at >= since,
                                      Execution.parent_execution_id.is_not(None))
    return _capped_count(s, stmt, cap)
