"""Workflows and their versions: save drafts, publish immutable versions, list, read, delete."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from wayvo_app.core.errors import (
    ConflictError,
    DocumentValidationError,
    DuplicateWorkflowNameError,
    ForbiddenError,
    NotFoundError,
    WorkflowInactiveError,
)
from wayvo_app.core.graph import WorkflowGraph, parse_document
from wayvo_app.core.validation import validate
from wayvo_app.core.workflow_links import self_reference_problems
from wayvo_app.engine import metrics
from wayvo_app.engine.registry import get_registry
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.execution_reads import workflows_with_last_run
from wayvo_app.store.models import Workflow, WorkflowVersion, utcnow

MAX_NAME = 200


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
                "lastExecution": last, "lastStatus": self.last_status or "",
                "updatedAt": f"{self.updated_at:%Y-%m-%d %H:%M} UTC"}


def content_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def check_document(document: Any, *, strict: bool = True,
                   workflow_id: str | None = None) -> tuple[WorkflowGraph, dict]:
    """Parse and validate a workflow document (of `workflow_id`, when saved: it may not start
    itself); returns the graph and the normalized JSON."""
    if not isinstance(document, dict):
        raise DocumentValidationError([])
    graph = parse_document(document)
    problems = validate(graph, get_registry()) + self_reference_problems(graph, workflow_id, get_registry())
    if problems and strict:
        raise DocumentValidationError(problems)
    name = str(document.get("name") or "").strip() or "Untitled workflow"
    normalized = graph.to_document()
    normalized["name"] = name[:MAX_NAME]
    normalized["description"] = str(document.get("description") or "")
    return graph, normalized


def _trigger_type(graph: WorkflowGraph) -> str:
    trigger = graph.trigger()
    return str((trigger.config if trigger else {}).get("triggerType") or "Manual")


def ensure_active(wf: Workflow) -> Workflow:
    """The Active/Off switch, checked in one place: every start of an execution (runs from the UI,
    execute, trigger_workflow, Trigger Workflow steps, retries, schedules, webhooks) calls this."""
    if not wf.active:
        raise WorkflowInactiveError(wf.name)
    return wf


def name_taken(s: Session, workspace_id: str, name: str, exclude_id: str | None = None) -> bool:
    """Whether another workflow of the workspace has this name (case and outer spaces ignored)."""
    stmt = select(Workflow.id).where(Workflow.workspace_id == workspace_id,
                                     func.lower(Workflow.name) == name.strip().lower())
    if exclude_id:
        stmt = stmt.where(Workflow.id != exclude_id)
    return s.exec(stmt.limit(1)).scalar() is not None


def _unique(s: Session, workspace_id: str, name: str, exclude_id: str | None = None) -> str:
    if name_taken(s, workspace_id, name, exclude_id):
        raise DuplicateWorkflowNameError(name)
    return name


def free_name(s: Session, workspace_id: str, first: str, numbered: Callable[[int], str] | None = None) -> str:
    """`first` when free, else `numbered(n)` for n = 2, 3, ... (default "first n"): names stay
    unique per workspace."""
    numbered = numbered or (lambda n: f"{first[:MAX_NAME - 8]} {n}")
    candidate, n = first[:MAX_NAME], 1
    while name_taken(s, workspace_id, candidate):
        n += 1
        candidate = numbered(n)[:MAX_NAME]
    return candidate


def _workspace_for_new(s: Session, owner_id: str, workspace_id: str | None) -> str:
    """The workspace a new workflow goes to: the asked one if the user is an editor there."""
    if not workspace_id:
        return store_workspaces.personal_workspace_id(s, owner_id)
    from wayvo_app.services import access

    role = access.role_in(s, owner_id, workspace_id)
    if role is None:
        raise NotFoundError("Workspace not found")
    if not access.at_least(role, access.ACTIONS["workflow.edit"].role):
        raise ForbiddenError(f"Your role in this workspace ({role}) may not create workflows; "
                             "it needs editor or above")
    return workspace_id


def create_workflow(s: Session, owner_id: str, document: dict, workspace_id: str | None = None, *,
                    pick_free_name: bool = False) -> Workflow:
    """A new workflow in `workspace_id` (default: the owner's personal workspace; else the owner must
    be an editor there). A name taken in the workspace is refused, or numbered with `pick_free_name`."""
    graph, doc = check_document(document)
    workspace_id = _workspace_for_new(s, owner_id, workspace_id)
    if pick_free_name:
        doc["name"] = free_name(s, workspace_id, doc["name"])
    _unique(s, workspace_id, doc["name"])
    wf = Workflow(owner_id=owner_id, name=doc["name"], description=doc["description"], document=doc,
                  trigger_type=_trigger_type(graph), workspace_id=workspace_id)
    s.add(wf)
    s.flush()
    return wf


def get_owned(s: Session, workflow_id: str, owner_id: str, *, lock: bool = False) -> Workflow:
    """The workflow if `owner_id` may edit it (an editor of its workspace); see access.py."""
    from wayvo_app.services import access  # access reads workflows; a late import keeps the graph acyclic

    return access.workflow_for(s, workflow_id, owner_id, "workflow.edit", lock=lock)


class StaleDraftError(ConflictError):
    """The draft changed since the editor loaded it (another tab, another person, a rename)."""

    def __init__(self):
        super().__init__("This workflow was changed elsewhere (another tab or a rename) since you opened it")


def update_workflow(s: Session, workflow_id: str, owner_id: str, document: dict, *,
                    strict: bool = True, expected_revision: int | None = None) -> Workflow:
    """Save the draft. `strict=False` (the builder's autosave) keeps an invalid draft;
    `expected_revision` refuses to overwrite a newer draft (StaleDraftError)."""
    wf = get_owned(s, workflow_id, owner_id, lock=True)
    if expected_revision is not None and wf.revision != expected_revision:
        raise StaleDraftError()
    graph, doc = check_document(document, strict=strict, workflow_id=wf.id)
    if doc["name"] != wf.name:
        _unique(s, wf.workspace_id, doc["name"], exclude_id=wf.id)
    wf.document, wf.name, wf.description = doc, doc["name"], doc["description"]
    wf.trigger_type = _trigger_type(graph)
    wf.revision += 1
    wf.updated_at = utcnow()
    s.add(wf)
    return wf


def publish_workflow(s: Session, workflow_id: str, owner_id: str, created_by: str | None = None) -> WorkflowVersion:
    from wayvo_app.services.publish_checks import run_problems

    wf = get_owned(s, workflow_id, owner_id, lock=True)
    graph, _ = check_document(wf.document, workflow_id=wf.id)
    problems = run_problems(s, graph)  # certain to fail at the first run: not published
    if problems:
        raise DocumentValidationError(problems)
    number = (wf.published_version or 0) + 1
    version = WorkflowVersion(workflow_id=wf.id, version=number, content_hash=content_hash(wf.document),
                              document=copy.deepcopy(wf.document), created_by=created_by)
    s.add(version)
    wf.published_version, wf.published_revision, wf.updated_at = number, wf.revision, utcnow()
    s.add(wf)
    s.flush()
    return version


def list_versions(s: Session, workflow_id: str) -> list[WorkflowVersion]:
    stmt = (select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow_id,
                                          WorkflowVersion.version.is_not(None))
            .order_by(WorkflowVersion.version.desc()))
    return list(s.exec(stmt).scalars())


def restore_version(s: Session, workflow_id: str, owner_id: str, version: int) -> Workflow:
    row = s.exec(select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow_id,
                                               WorkflowVersion.version == version)).scalars().first()
    if row is None:
        raise NotFoundError(f"Version {version} not found")
    return update_workflow(s, workflow_id, owner_id, copy.deepcopy(row.document), strict=False)


def delete_workflow(s: Session, workflow_id: str, owner_id: str) -> int:
    """Delete with every row hanging off it; its running or waiting executions are cancelled
    first (their number is returned), so a parent execution of another workflow waiting on one
    of them goes on."""
    from wayvo_app.engine.transitions import wake_parent
    from wayvo_app.store.cleanup import delete_workflow_rows, open_executions

    wf = get_owned(s, workflow_id, owner_id, lock=True)
    now = utcnow()
    cancelled = open_executions(s, wf.id)
    for execution in cancelled:
        execution.status, execution.completed_at, execution.error = "cancelled", now, "Workflow deleted"
        metrics.execution_finished(s, wf.id, "cancelled")
        s.add(execution)
        if execution.parent_execution_id:
            s.flush()
            wake_parent(s, execution, now)
    s.flush()
    delete_workflow_rows(s, wf.id)
    return len(cancelled)


def set_active(s: Session, workflow_id: str, user_id: str, active: bool) -> Workflow:
    """Switch the workflow on or off (editors). Executions already running go on; schedule fires
    missed while off are not replayed (they predate `updated_at`)."""
    wf = get_owned(s, workflow_id, user_id, lock=True)
    if bool(wf.active) != active:
        wf.active, wf.updated_at = active, utcnow()
        s.add(wf)
        s.flush()
    return wf


def count_open_executions(s: Session, workflow_id: str, owner_id: str) -> int:
    from wayvo_app.store.cleanup import open_executions

    return len(open_executions(s, get_owned(s, workflow_id, owner_id).id))


def duplicate_workflow(s: Session, workflow_id: str, owner_id: str) -> Workflow:
    wf = get_owned(s, workflow_id, owner_id)
    doc = copy.deepcopy(wf.document)
    base = wf.name[:MAX_NAME - 16]
    doc["name"] = free_name(s, wf.workspace_id, f"{base} (copy)", lambda n: f"{base} (copy {n})")
    _, doc = check_document(doc, strict=False)
    dup = Workflow(owner_id=owner_id, name=doc["name"], description=doc["description"], document=doc,
                   trigger_type=wf.trigger_type, workspace_id=wf.workspace_id)
    s.add(dup)
    s.flush()
    return dup


def rename_workflow(s: Session, workflow_id: str, owner_id: str, name: str) -> Workflow:
    name = (name or "").strip()
    if not name:
        raise DocumentValidationError([])
    wf = get_owned(s, workflow_id, owner_id, lock=True)
    doc = dict(wf.document)
    doc["name"] = _unique(s, wf.workspace_id, name[:MAX_NAME], exclude_id=wf.id)
    wf.document, wf.name, wf.revision, wf.updated_at = doc, doc["name"], wf.revision + 1, utcnow()
    s.add(wf)
    return wf


def version_for_run(s: Session, wf: Workflow, version: int | None, *, draft: bool = False) -> WorkflowVersion:
    """The version an execution is pinned to: the asked one, the latest published, or the draft
    (always the draft with `draft=True`: the builder's test runs)."""
    number = None if draft else (version if version is not None else wf.published_version)
    if number is not None:
        row = s.exec(select(WorkflowVersion).where(WorkflowVersion.workflow_id == wf.id,
                                                   WorkflowVersion.version == number)).scalars().first()
        if row is None:
            raise NotFoundError(f"Workflow version {number} not found")
        return row
    digest = content_hash(wf.document)
    row = s.exec(select(WorkflowVersion).where(WorkflowVersion.workflow_id == wf.id,
                                               WorkflowVersion.version.is_(None),
                                               WorkflowVersion.content_hash == digest)).scalars().first()
    if row is None:
        check_document(wf.document)
        row = WorkflowVersion(workflow_id=wf.id, version=None, content_hash=digest,
                              document=copy.deepcopy(wf.document))
        s.add(row)
        s.flush()
    return row


def list_workflows(s: Session, owner_id: str) -> list[WorkflowSummary]:
    out = []
    for wf, status, started in workflows_with_last_run(s, store_workspaces.visible_workflows(owner_id)):
        ahead = wf.published_version is not None and wf.published_revision != wf.revision
        out.append(WorkflowSummary(wf.id, wf.name, wf.revision, wf.published_version, ahead,
                                   wf.updated_at, status, started))
    return out


def export_document(wf: Workflow) -> dict:
    doc = copy.deepcopy(wf.document)
    doc.update({"id": wf.id, "version": wf.published_version, "revision": wf.revision,
                "createdAt": wf.created_at.isoformat(), "updatedAt": wf.updated_at.isoformat()})
    return doc


