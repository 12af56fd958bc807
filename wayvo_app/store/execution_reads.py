"""Reads of execution, step, log and wait rows for pages and the viewer: filtered pages of a user's
executions, what paused ones wait for, change markers, one execution's logs, approvals and events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlmodel import Session

from wayvo_app.store.models import (
    ApprovalRequest,
    Execution,
    ExecutionLog,
    ExecutionStep,
    User,
    WaitEvent,
    Workflow,
)

REVISION_CHUNK = 500  # ids per IN (...) list: well under every dialect's parameter limit


@dataclass(frozen=True)
class ExecutionFilter:
    status: str = ""  # one status, or several separated by commas
    workflow_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    started_by: str = ""  # a user name
    workspace_id: str = ""
    origin: str = ""
    search: str = ""  # part of the execution id, the input's JSON text or the error text


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page ends: the last row's (started_at, id); the next page is strictly older."""

    started_at: datetime
    id: str


def _search(text: str) -> Any:
    needle = text.strip().lower()
    return or_(Execution.id.startswith(needle, autoescape=True),
               func.lower(cast(Execution.input, String)).contains(needle, autoescape=True),
               func.lower(Execution.error).contains(needle, autoescape=True))


def _conditions(visible: Any, flt: ExecutionFilter) -> list:
    """`visible`: the caller's clause from access.visible_executions (lists filter in SQL)."""
    conditions = [visible]
    if flt.workspace_id:
        conditions.append(Execution.workspace_id == flt.workspace_id)
    if flt.started_by:
        conditions.append(Execution.user_id.in_(select(User.id).where(User.user_name == flt.started_by.strip().lower())))
    if flt.status:
        conditions.append(Execution.status.in_([part.strip() for part in flt.status.split(",") if part.strip()]))
    if flt.origin:
        conditions.append(Execution.origin == flt.origin)
    if flt.search.strip():
        conditions.append(_search(flt.search))
    if flt.workflow_id:
        conditions.append(Execution.workflow_id == flt.workflow_id)
    if flt.since is not None:
        conditions.append(Execution.started_at >= flt.since)
    if flt.until is not None:
        conditions.append(Execution.started_at < flt.until)
    return conditions


def count_executions(s: Session, visible: Any, flt: ExecutionFilter) -> int:
    return s.exec(select(func.count()).select_from(Execution).where(*_conditions(visible, flt))).scalar_one()


def executions_with_names(s: Session, visible: Any, flt: ExecutionFilter, *, offset: int,
                          limit: int) -> list[tuple[Execution, str, str]]:
    """The visible executions newest first, each with its workflow's name and its starter's user name."""
    stmt = (select(Execution, Workflow.name, User.user_name).join(Workflow, Workflow.id == Execution.workflow_id)
            .join(User, User.id == Execution.user_id)
            .where(*_conditions(visible, flt)).order_by(Execution.started_at.desc(), Execution.id.desc())
            .offset(offset).limit(limit))
    return [(ex, name, starter) for ex, name, starter in s.exec(stmt).all()]


def executions_after(s: Session, visible: Any, flt: ExecutionFilter, cursor: Cursor | None,
                     limit: int) -> list[tuple[Execution, str, str]]:
    """A keyset page, newest first on (started_at, id): rows inserted meanwhile (newer) never shift it."""
    conditions = _conditions(visible, flt)
    if cursor is not None:
        conditions.append(or_(Execution.started_at < cursor.started_at,
                              and_(Execution.started_at == cursor.started_at, Execution.id < cursor.id)))
    stmt = (select(Execution, Workflow.name, User.user_name).join(Workflow, Workflow.id == Execution.workflow_id)
            .join(User, User.id == Execution.user_id)
            .where(*conditions).order_by(Execution.started_at.desc(), Execution.id.desc()).limit(limit))
    return [(ex, name, starter) for ex, name, starter in s.exec(stmt).all()]


def workspace_revisions_of(s: Session, workspace_ids: list[str]) -> list[tuple[str, datetime | None, int]]:
    """(workspace id, newest updated_at, number of executions) per workspace: moves on every insert,
    change and delete of one of its executions (the live lists' marker)."""
    rows = s.exec(select(Execution.workspace_id, func.max(Execution.updated_at), func.count())
                  .where(Execution.workspace_id.in_(workspace_ids)).group_by(Execution.workspace_id)).all()
    return [(row[0], row[1], row[2]) for row in rows]


def pending_approvals_of(s: Session, execution_ids: list[str]) -> list[ApprovalRequest]:
    return list(s.exec(select(ApprovalRequest).where(ApprovalRequest.execution_id.in_(execution_ids),
                                                     ApprovalRequest.status == "pending")).scalars())


def waiting_events_of(s: Session, execution_ids: list[str]) -> list[WaitEvent]:
    return list(s.exec(select(WaitEvent).where(WaitEvent.execution_id.in_(execution_ids),
                                              WaitEvent.status == "waiting")).scalars())


def sleeping_steps_of(s: Session, execution_ids: list[str]) -> list[ExecutionStep]:
    """Steps waiting for a wake-up time or for a child workflow."""
    T = ExecutionStep
    return list(s.exec(select(T).where(T.execution_id.in_(execution_ids), T.status == "waiting",
                                       T.wait_kind.in_(("sleep", "child")))).scalars())


def revision_of(s: Session, execution_id: str) -> tuple[datetime, str] | None:
    """The execution's `updated_at` and status (what the viewer's change marker is made of)."""
    row = s.exec(select(Execution.updated_at, Execution.status).where(Execution.id == execution_id)).first()
    return (row[0], row[1]) if row else None


def revisions_of(s: Session, execution_ids: list[str], visible: Any = None) -> list[tuple[str, datetime, str]]:
    """(id, updated_at, status) of many executions, one query per chunk of ids; missing ones (and,
    with `visible`, the caller's clause from access.visible_executions, ones not visible) left out."""
    out: list[tuple[str, datetime, str]] = []
    for start in range(0, len(execution_ids), REVISION_CHUNK):
        chunk = execution_ids[start:start + REVISION_CHUNK]
        stmt = select(Execution.id, Execution.updated_at, Execution.status).where(Execution.id.in_(chunk))
        rows = s.exec(stmt if visible is None else stmt.where(visible)).all()
        out.extend((row[0], row[1], row[2]) for row in rows)
    return out


def execution_by_id(s: Session, execution_id: str) -> Execution | None:
    return s.get(Execution, execution_id)


def newest_execution(s: Session, visible: Any) -> Execution | None:
    return s.exec(select(Execution).where(visible)
                  .order_by(Execution.started_at.desc()).limit(1)).scalars().first()


def newest_visible_execution_of_workflow(s: Session, workflow_id: str, visible: Any) -> Execution | None:
    """The workflow's newest execution among those `visible` (access.visible_executions) allows."""
    return s.exec(select(Execution).where(Execution.workflow_id == workflow_id, visible)
                  .order_by(Execution.started_at.desc(), Execution.id.desc()).limit(1)).scalars().first()


def latest_attempts(s: Session, execution_id: str) -> dict[str, ExecutionStep]:
    """Each node's latest attempt in the execution (its input, output and error as they stand)."""
    steps = s.exec(select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)
                   .order_by(ExecutionStep.attempt)).scalars()
    return {step.node_id: step for step in steps}


def newest_schedule_run(s: Session, workflow_id: str, visible: Any) -> tuple[Execution, bool] | None:
    """The workflow's newest Schedule execution and whether any step of it ran (a fire the scheduler
    could not start is a failed execution without steps, saying why)."""
    execution = s.exec(select(Execution).where(Execution.workflow_id == workflow_id, visible,
                                               Execution.trigger_type == "Schedule")
                       .order_by(Execution.started_at.desc(), Execution.id.desc()).limit(1)).scalars().first()
    if execution is None:
        return None
    ran = s.exec(select(ExecutionStep.id).where(ExecutionStep.execution_id == execution.id).limit(1)).first()
    return execution, ran is not None


def successful_outputs(s: Session, execution_id: str) -> dict[str, Any]:
    """The output of each node that succeeded (the latest attempt wins)."""
    steps = s.exec(select(ExecutionStep).where(ExecutionStep.execution_id == execution_id,
                                               ExecutionStep.status == "success")
                   .order_by(ExecutionStep.attempt)).scalars()
    return {step.node_id: step.output for step in steps if step.output is not None}


def logs_of(s: Session, execution_id: str) -> list[ExecutionLog]:
    return list(s.exec(select(ExecutionLog).where(ExecutionLog.execution_id == execution_id)
                       .order_by(ExecutionLog.id)).scalars())


def approvals_of(s: Session, execution_id: str) -> list[ApprovalRequest]:
    return list(s.exec(select(ApprovalRequest).where(ApprovalRequest.execution_id == execution_id)).scalars())


def events_of(s: Session, execution_id: str) -> list[WaitEvent]:
    return list(s.exec(select(WaitEvent).where(WaitEvent.execution_id == execution_id)).scalars())


def workflows_with_last_run(s: Session, visible: Any) -> list[tuple[Workflow, str | None, datetime | None]]:
    """The visible workflows (access.visible_workflows), newest edit first, each with its latest execution's status and start."""
    last = (select(Execution.workflow_id, func.max(Execution.started_at).label("started"))
            .group_by(Execution.workflow_id).subquery())
    stmt = (
        select(Workflow, Execution.status, last.c.started)
        .outerjoin(last, last.c.workflow_id == Workflow.id)
        .outerjoin(Execution, (Execution.workflow_id == Workflow.id) & (Execution.started_at == last.c.started))
        .where(visible)
        .order_by(Workflow.updated_at.desc())
    )
    return [(wf, status, started) for wf, status, started in s.exec(stmt).all()]


def stream_rows_since(s: Session, execution_id: str, since: datetime | None
                      ) -> tuple[Execution | None, list[ExecutionStep], list[ExecutionLog]]:
    """The execution, its steps touched at or after `since` and its logs written since then (all when
    None): what the event stream turns into events after a cursor."""
    T, L = ExecutionStep, ExecutionLog
    steps = select(T).where(T.execution_id == execution_id)
    logs = select(L).where(L.execution_id == execution_id)
    if since is not None:
        steps = steps.where(or_(T.queued_at >= since, T.started_at >= since, T.finished_at >= since))
        logs = logs.where(L.created_at >= since)
    return (s.get(Execution, execution_id), list(s.exec(steps).scalars()),
            list(s.exec(logs.order_by(L.id)).scalars()))
