"""Workflows and their versions: create, list, read (queries of the workflows noun)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from wayvo_app.engine.models import Execution, Workflow


@dataclass(frozen=True)
class WorkflowSummary:
    id: str
    name: str
    revision: int
    published_version: int | None
    draft_ahead: bool
    updated_at: datetime
    last_status: str | None
    last_started_at: datetime | None

    @property
    def status(self) -> str:
        if self.published_version is None:
            return "draft"
        suffix = " (draft ahead)" if self.draft_ahead else ""
        return f"published v{self.published_version}{suffix}"

    def to_row(self) -> dict:
        color = "gray" if self.published_version is None else ("amber" if self.draft_ahead else "green")
        last = "never run"
        if self.last_status:
            last = f"{self.last_status} · {self.last_started_at:%Y-%m-%d %H:%M} UTC"
        return {"id": self.id, "name": self.name, "status": self.status, "statusColor": color,
                "lastExecution": last, "updatedAt": f"{self.updated_at:%Y-%m-%d %H:%M} UTC"}


def list_workflows(s: Session, owner_id: str) -> list[WorkflowSummary]:
    last = (select(Execution.workflow_id, func.max(Execution.started_at).label("started"))
            .group_by(Execution.workflow_id).subquery())
    stmt = (
        select(Workflow, Execution.status, last.c.started)
        .outerjoin(last, last.c.workflow_id == Workflow.id)
        .outerjoin(Execution, (Execution.workflow_id == Workflow.id) & (Execution.started_at == last.c.started))
        .where(Workflow.owner_id == owner_id)
        .order_by(Workflow.updated_at.desc())
    )
    out = []
    for wf, status, started in s.exec(stmt).all():
        ahead = wf.published_version is not None and wf.published_revision != wf.revision
        out.append(WorkflowSummary(wf.id, wf.name, wf.revision, wf.published_version, ahead,
                                   wf.updated_at, status, started))
    return out
