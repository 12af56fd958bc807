"""The workflows page's commands: list, create, import (file or pasted JSON, with the engine's
messages), export, rename, duplicate and delete; one transaction each.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wayvo_app.core.document import empty_document
from wayvo_app.core.errors import DocumentValidationError, WorkflowError
from wayvo_app.services import workflows
from wayvo_app.store import db

MAX_IMPORT_BYTES = 1024 * 1024


class ImportProblems(WorkflowError):
    """An import that cannot be saved; `problems` are the messages to show, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "The workflow could not be imported")
        self.problems = problems


def list_rows(user_id: str) -> list[dict[str, Any]]:
    with db.read_session() as s:
        rows = [w.to_row() for w in workflows.list_workflows(s, user_id)]
    for row in rows:
        row["lastAt"] = row["lastExecution"].split(" · ")[-1] if row["lastStatus"] else ""
    return rows


def create_blank(user_id: str, name: str) -> str:
    with db.session() as s:
        return workflows.create_workflow(s, user_id, empty_document(name.strip() or "Untitled workflow")).id


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


def import_document(user_id: str, text: str | bytes) -> str:
    """A new workflow from an exported document (its id, version and dates are ignored)."""
    document = parse_import(text)
    try:
        with db.session() as s:
            return workflows.create_workflow(s, user_id, document).id
    except DocumentValidationError as exc:
        raise ImportProblems([p.message for p in exc.problems] or [exc.message])


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


def delete(workflow_id: str, user_id: str) -> None:
    with db.session() as s:
        workflows.delete_workflow(s, workflow_id, user_id)


def open_executions(workflow_id: str, user_id: str) -> int:
    """How many of the workflow's executions are running or waiting (the delete dialog warns)."""
    with db.read_session() as s:
        return workflows.count_open_executions(s, workflow_id, user_id)
