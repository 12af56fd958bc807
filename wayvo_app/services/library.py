"""The workflows page's commands: list (search, sort), create, import (file or pasted JSON, with the
engine's messages), export, rename, duplicate, delete and the Active/Off switch; one transaction each.
New workflows go to the page's current workspace."""

from __future__ import annotations

import json
import re
from typing import Any

from wayvo_app.core.document import empty_document
from wayvo_app.core.errors import (
    DocumentValidationError,
    DuplicateWorkflowNameError,
    WorkflowError,
    WorkflowNotFoundError,
)
from wayvo_app.services import workflow_lists, workflows
from wayvo_app.store import db
from wayvo_app.store.models import Workflow

MAX_IMPORT_BYTES = 1024 * 1024


class ImportProblems(WorkflowError):
    """An import that cannot be saved; `problems` are the messages to show, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "The workflow could not be imported")
        self.problems = problems


def list_rows(user_id: str, workspace_id: str = "", search: str = "", sort: str = "updated") -> list[dict[str, Any]]:
    """The rows of the workspace (every visible workspace when "") whose name contains `search`."""
    return workflow_lists.page_rows(user_id, workspace_id, search, sort)


def create_blank(user_id: str, name: str, workspace_id: str | None = None) -> str:
    """A new workflow named `name` (refused when taken); without a name, "Untitled workflow" numbered."""
    with db.session() as s:
        return workflows.create_workflow(s, user_id, empty_document(name.strip() or "Untitled workflow"),
                                         workspace_id or None, pick_free_name=not name.strip()).id


def parse_import(text: str | bytes) -> dict[str, Any]:
    """The document in a file or pasted text; ImportProblems says what is wrong with it."""
    if isinstance(text, bytes):
        if len(text) > MAX_IMPORT_BYTES:
            raise ImportProblems(["The file is larger than 1 MiB"])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportProblems(["The file is not UTF-8 text"])
    if not text.strip():
        raise ImportProblems(["Paste a workflow document (JSON) or choose a file"])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblems([f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"])
    if not isinstance(document, dict):
        raise ImportProblems(["Workflow document must be a JSON object"])
    return document


def import_document(user_id: str, text: str | bytes, workspace_id: str | None = None) -> str:
    """A new workflow from an exported document (its id, version and dates are ignored)."""
    document = parse_import(text)
    try:
        with db.session() as s:
            return workflows.create_workflow(s, user_id, document, workspace_id or None).id
    except DocumentValidationError as exc:
        raise ImportProblems([p.message for p in exc.problems] or [exc.message])
    except DuplicateWorkflowNameError as exc:
        raise ImportProblems([exc.message + " (rename it in the document or rename the existing one)"])


def export_document(workflow_id: str, user_id: str) -> tuple[str, str]:
    """(file name, pretty JSON) of the draft as the API's GET returns it."""
    with db.read_session() as s:
        wf = workflows.get_owned(s, workflow_id, user_id)
        document = workflows.export_document(wf)
    slug = re.sub(r"[^a-z0-9]+", "-", wf.name.lower()).strip("-") or "workflow"
    return f"{slug}.json", json.dumps(document, indent=2, ensure_ascii=False)


def rename(workflow_id: str, user_id: str, name: str) -> None:
    if not name.strip():
        raise ImportProblems(["A workflow needs a name"])
    with db.session() as s:
        workflows.rename_workflow(s, workflow_id, user_id, name)


def duplicate(workflow_id: str, user_id: str) -> str:
    with db.session() as s:
        return workflows.duplicate_workflow(s, workflow_id, user_id).id


def _in_workspace(s: Any, workflow_id: str, only_workspace: str | None) -> None:
    """An API key acts in its own workspace only: a workflow elsewhere is not found."""
    wf = s.get(Workflow, workflow_id) if only_workspace is not None else None
    if wf is not None and wf.workspace_id != only_workspace:
        raise WorkflowNotFoundError()


def delete(workflow_id: str, user_id: str, only_workspace: str | None = None) -> int:
    """Deletes the workflow; how many of its running or waiting executions were cancelled."""
    with db.session() as s:
        _in_workspace(s, workflow_id, only_workspace)
        return workflows.delete_workflow(s, workflow_id, user_id)


def set_active(workflow_id: str, user_id: str, active: bool, only_workspace: str | None = None) -> dict[str, Any]:
    """The Active/Off switch (editors): `{id, name, active}`."""
    with db.session() as s:
        _in_workspace(s, workflow_id, only_workspace)
        wf = workflows.set_active(s, workflow_id, user_id, active)
        return {"id": wf.id, "name": wf.name, "active": wf.active}


def open_executions(workflow_id: str, user_id: str) -> int:
    """How many of the workflow's executions are running or waiting (the delete dialog warns)."""
    with db.read_session() as s:
        return workflows.count_open_executions(s, workflow_id, user_id)
