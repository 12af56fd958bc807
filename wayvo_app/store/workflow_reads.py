"""Pages of workflows for the workflows page and `GET /api/workflows`: search by name, one workspace,
a sort, keyset paging (stable under inserts), each row with its latest execution's status and start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from wayvo_app.store.models import Execution, Workflow

PAGE_MAX = 200


def _latest(column: Any) -> Any:
    """A column of the workflow's latest execution (ix_executions_workflow_started serves it)."""
    return (select(column).where(Execution.workflow_id == Workflow.id)
            .order_by(Execution.started_at.desc(), Execution.id.desc()).limit(1).scalar_subquery())


def _sort_key(sort: str) -> tuple[Any, bool]:
    """(key expression, descending); the id breaks ties in the same direction."""
    if sort == "name":
        return func.lower(Workflow.name), False
    if sort == "created":
        return Workflow.created_at, True
    if sort == "lastRun":
        return func.coalesce(_latest(Execution.started_at), Workflow.created_at), True
    return Workflow.updated_at, True


SORTS = ("updated", "name", "created", "lastRun")


@dataclass(frozen=True)
class WorkflowFilter:
    search: str = ""  # a part of the name, any case
    workspace_id: str = ""  # "" = every workspace the caller sees
    sort: str = "updated"  # one of SORTS


@dataclass(frozen=True)
class WorkflowRow:
    workflow: Workflow
    last_status: str | None
    last_started_at: datetime | None
    key: Any  # the sort key's value, for the next page's cursor


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def workflow_page(s: Session, visible: Any, flt: WorkflowFilter, *, after: tuple[Any, str] | None = None,
                  limit: int = 50) -> list[WorkflowRow]:
    """Up to `limit` visible workflows (`visible`: access.visible_workflows) after the (key, id)
    cursor `after`, in the filter's sort order."""
    key, descending = _sort_key(flt.sort)
    stmt = (select(Workflow, _latest(Execution.status), _latest(Execution.started_at), key)
            .where(visible))
    if flt.workspace_id:
        stmt = stmt.where(Workflow.workspace_id == flt.workspace_id)
    if flt.search.strip():
        stmt = stmt.where(func.lower(Workflow.name).like(_like(flt.search), escape="\\"))
    if after is not None:
        value, last_id = after
        if descending:
            stmt = stmt.where(or_(key < value, and_(key == value, Workflow.id < last_id)))
        else:
            stmt = stmt.where(or_(key > value, and_(key == value, Workflow.id > last_id)))
    order = (key.desc(), Workflow.id.desc()) if descending else (key.asc(), Workflow.id.asc())
    rows = s.exec(stmt.order_by(*order).limit(max(1, min(limit, PAGE_MAX)))).all()
    return [WorkflowRow(wf, status, started, value) for wf, status, started, value in rows]
