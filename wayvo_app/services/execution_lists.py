"""Queries behind the execution lists and the viewer: filtered pages of executions, what paused
ones wait for (approval, event, wake-up time), a cheap change marker, and the viewer's snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.errors import NotFoundError
from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.origins import origin_label
from wayvo_app.core.times import aware, format_clock, utcnow
from wayvo_app.engine.loader import graph_of_version
from wayvo_app.engine.registry import action_labels_of, step_labels
from wayvo_app.services import access
from wayvo_app.services.execution_views import execution_json, node_statuses, step_json
from wayvo_app.services.executions import owned_execution
from wayvo_app.services.timeline import build_timeline, execution_span
from wayvo_app.store import db
from wayvo_app.store import execution_reads as reads
from wayvo_app.store.execution_reads import ExecutionFilter
from wayvo_app.store.executions import steps_of
from wayvo_app.store.models import ApprovalRequest, Execution, WaitEvent, Workflow, WorkflowVersion

EXECUTION_STATUSES = ("running", "paused", "success", "error", "cancelled")
FINISHED = ("success", "error", "cancelled")


@dataclass(frozen=True)
class ExecutionPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class ViewerSnapshot:
    """Everything the viewer shows of one execution, read in one session."""

    execution: dict[str, Any]
    graph: WorkflowGraph
    statuses: dict[str, str]
    attempts: dict[str, int]
    step_status: dict[str, str]
    steps: list[dict[str, Any]]
    logs: list[dict[str, Any]]
    waits: list[dict[str, Any]]
    timeline: list[dict[str, Any]] = field(default_factory=list)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def list_executions(s: Session, user_id: str, flt: ExecutionFilter, *, page: int = 1, page_size: int = 25,
                    now: datetime | None = None) -> ExecutionPage:
    """One page of the executions the user may see (access.py), newest first, with what each paused one waits for."""
    now = now or utcnow()
    visible = access.visible_executions(user_id)
    total = reads.count_executions(s, visible, flt)
    page = max(1, min(page, max(1, -(-total // page_size))))
    found = reads.executions_with_names(s, visible, flt, offset=(page - 1) * page_size, limit=page_size)
    waits = waiting_for(s, [ex.id for ex, _, _ in found if ex.status == "paused"])
    rows = [list_row(ex, name, starter, waits.get(ex.id, []), now) for ex, name, starter in found]
    return ExecutionPage(rows, total, page, page_size)


def list_row(ex: Execution, workflow_name: str, starter: str, waits: list[dict[str, Any]],
             now: datetime) -> dict[str, Any]:
    """One row of the executions list page (`startedIso` for the browser's relative time and zone)."""
    return {"id": ex.id, "workflowId": ex.workflow_id, "workflowName": workflow_name, "status": ex.status,
            "trigger": ex.trigger_type or "Manual", "startedAt": format_clock(ex.started_at),
            "startedIso": aware(ex.started_at).isoformat(),
            "duration": execution_span(aware(ex.started_at), aware(ex.completed_at), now),
            "waitingFor": "; ".join(describe_wait(w) for w in waits),
            "error": _clip(ex.error or "", 130), "errorFull": ex.error or "", "retryOf": ex.retry_of_id or "",
            "parentId": ex.parent_execution_id or "", "origin": ex.origin or "", "originLabel": origin_label(ex.origin),
            "startedBy": starter}


def waiting_for(s: Session, execution_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Open approvals, waiting events and sleeps of these executions, by execution id."""
    out: dict[str, list[dict[str, Any]]] = {}
    if not execution_ids:
        return out
    for req in reads.pending_approvals_of(s, execution_ids):
        out.setdefault(req.execution_id, []).append(approval_json(req))
    for ev in reads.waiting_events_of(s, execution_ids):
        out.setdefault(ev.execution_id, []).append(event_json(ev))
    for step in reads.sleeping_steps_of(s, execution_ids):
        out.setdefault(step.execution_id, []).append(
            {"kind": step.wait_kind, "nodeId": step.node_id, "stepId": step.id,
             "until": format_clock(step.run_at) if step.run_at else ""})
    return out


def approval_json(req: ApprovalRequest) -> dict[str, Any]:
    return {"kind": "approval", "id": req.id, "nodeId": req.node_id, "stepId": req.step_id, "title": req.title,
            "status": req.status, "approvers": ", ".join(req.eligible or req.approvers or []),
            "expiresAt": format_clock(req.expires_at) if req.expires_at else ""}


def event_json(ev: WaitEvent) -> dict[str, Any]:
    return {"kind": "event", "id": ev.id, "nodeId": ev.node_id, "stepId": ev.step_id, "namespace": ev.namespace,
            "key": ev.event_key, "status": ev.status, "title": ev.title or "",
            "expiresAt": format_clock(ev.expires_at) if ev.expires_at else ""}


def describe_wait(wait: dict[str, Any]) -> str:
    kind = wait.get("kind")
    if kind == "approval":
        return f"Approval: {wait['title']}"
    if kind == "event":
        return f"Event {wait['namespace']} / {wait['key']}"
    if kind == "sleep":
        return f"Wakes up at {wait['until']}" if wait.get("until") else "Sleeping"
    return "Child workflow"


def workflow_choices(s: Session, user_id: str, workspace_id: str = "") -> list[dict[str, str]]:
    stmt = select(Workflow.id, Workflow.name).where(access.visible_workflows(user_id))
    if workspace_id:
        stmt = stmt.where(Workflow.workspace_id == workspace_id)
    rows = s.exec(stmt.order_by(Workflow.name)).all()
    return [{"id": wf_id, "name": name} for wf_id, name in rows]


def execution_revision(s: Session, execution_id: str) -> str | None:
    """A marker that changes whenever the engine touches the execution (`updated_at` and status)."""
    row = reads.revision_of(s, execution_id)
    return f"{aware(row[0]).isoformat()}|{row[1]}" if row else None


def execution_revisions(s: Session, execution_ids: list[str], who: Any = None) -> dict[str, str]:
    """The revisions of many executions in one query per 500 ids (missing ones, and with `who` the
    ones that caller may not see, are left out)."""
    visible = access.visible_executions(who) if who is not None else None
    return {ex_id: f"{aware(updated).isoformat()}|{status}"
            for ex_id, updated, status in reads.revisions_of(s, execution_ids, visible)}


def newest_execution(s: Session, user_id: str) -> Execution | None:
    return reads.newest_execution(s, access.visible_executions(user_id))


def _wait_rows(s: Session, execution_id: str) -> tuple[list[dict[str, Any]], dict[str, datetime]]:
    """All approvals and events of the execution, and when each step began waiting."""
    approvals, events = reads.approvals_of(s, execution_id), reads.events_of(s, execution_id)
    starts = {row.step_id: row.created_at for row in [*approvals, *events]}
    return [*(approval_json(a) for a in approvals), *(event_json(e) for e in events)], starts


def viewer_snapshot(s: Session, execution: Execution, now: datetime | None = None) -> ViewerSnapshot:
    now = now or utcnow()
    graph = graph_of_version(s, execution.version_id)
    labels, actions = step_labels(graph), action_labels_of(graph)
    steps = steps_of(s, execution.id)
    statuses = node_statuses(s, execution, steps)
    logs = reads.logs_of(s, execution.id)
    waits, wait_starts = _wait_rows(s, execution.id)
    waits += [w for w in waiting_for(s, [execution.id]).get(execution.id, []) if w["kind"] in ("sleep", "child")]
    version = s.exec(select(WorkflowVersion.version).where(WorkflowVersion.id == execution.version_id)).scalar()
    name = s.exec(select(Workflow.name).where(Workflow.id == execution.workflow_id)).scalar() or graph.name
    status_of = {row["nodeId"]: row["status"] for row in statuses}
    info = {**execution_json(execution), "workflowName": name, "version": version,
            "duration": execution_span(aware(execution.started_at), aware(execution.completed_at), now),
            "startedText": format_clock(execution.started_at), "completedText": format_clock(execution.completed_at)}
    return ViewerSnapshot(
        execution=info, graph=graph, statuses=status_of,
        attempts={row["nodeId"]: row["attempt"] for row in statuses},
        step_status={st.node_id: st.status for st in steps},  # ordered by attempt: the latest wins
        steps=[step_json(st, labels.get(st.node_id, st.node_id), actions.get(st.node_id, "")) for st in steps],
        logs=[{"nodeId": log.node_id, "label": labels.get(log.node_id or "", ""), "stepId": log.step_id,
               "level": log.level, "message": log.message, "createdAt": format_clock(log.created_at, date=False)}
              for log in logs],
        waits=waits,
        timeline=build_timeline(steps, labels, status_of, wait_starts, aware(execution.started_at),
                                aware(execution.completed_at), now, actions=actions),
    )


# Public reads for pages and components: each opens its own read transaction.

def page_of_executions(user_id: str, flt: ExecutionFilter, page: int, page_size: int) -> tuple[ExecutionPage, list[dict]]:
    """One page of the user's executions and the workflows (of the filter's workspace) to filter by."""
    with db.read_session() as s:
        return (list_executions(s, user_id, flt, page=page, page_size=page_size),
                workflow_choices(s, user_id, flt.workspace_id))


def revisions(execution_ids: list[str], who: Any) -> dict[str, str]:
    """The change markers of those of these executions the caller (a user id or a principal) may
    see (the live viewers' poll); one the caller may no longer see reads as gone."""
    with db.read_session() as s:
        return execution_revisions(s, execution_ids, who)


def workspace_revisions(workspace_ids: list[str]) -> dict[str, str]:
    """A marker per workspace that moves whenever one of its executions is inserted, changed or deleted."""
    with db.read_session() as s:
        return {ws: f"{aware(updated).isoformat() if updated else ''}|{count}"
                for ws, updated, count in reads.workspace_revisions_of(s, workspace_ids)}


def newest_run(user_id: str) -> tuple[str, str, dict]:
    """The id, workflow id and input of the user's newest execution (empty when none)."""
    with db.read_session() as s:
        execution = newest_execution(s, user_id)
        return (execution.id, execution.workflow_id, execution.input or {}) if execution else ("", "", {})


def viewer_view(execution_id: str, user_id: str, workflow_id: str = "") -> tuple[ViewerSnapshot, str]:
    """The viewer's snapshot and the revision it shows; NotFoundError unless the user owns it."""
    with db.read_session() as s:
        revision = execution_revision(s, execution_id) or ""
        execution = owned_execution(s, execution_id, user_id)
        if workflow_id and execution.workflow_id != workflow_id:
            raise NotFoundError("Execution not found")
        return viewer_snapshot(s, execution), revision
