"""The family of an execution started by Trigger Workflow: its ancestors (cycle and depth checks)
and its running descendants (cancelled with it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.store.models import Execution

OPEN = ("running", "paused")


def ancestor_workflows(s: Session, execution_id: str, limit: int) -> list[str]:
    """Workflow ids of the execution and of its parents up to the root (at most `limit` of them):
    one indexed read per level, so a runaway chain costs no more than the depth limit."""
    chain: list[str] = []
    current: str | None = execution_id
    while current and len(chain) < limit:
        row = s.exec(select(Execution.workflow_id, Execution.parent_execution_id)
                     .where(Execution.id == current)).first()
        if row is None:
            break
        chain.append(row[0])
        current = row[1]
    return chain


def open_descendants(s: Session, execution_id: str) -> list[str]:
    """Ids of the running or paused executions started (directly or not) by this one, parents first;
    a finished child is walked through, since its fire-and-forget children may still run."""
    seen: set[str] = {execution_id}
    found: list[str] = []
    level = [execution_id]
    while level:
        rows = s.exec(select(Execution.id, Execution.status)
                      .where(Execution.parent_execution_id.in_(level))).all()
        level = [row[0] for row in rows if row[0] not in seen]
        seen.update(level)
        found.extend(row[0] for row in rows if row[0] in level and row[1] in OPEN)
    return found
