"""Workflow documents for the HTTP API and the CLI (create, read, update, publish, import, export,
the demo samples): each public function opens its own transaction around services/workflows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wayvo_app.core.errors import BadRequestError, NotFoundError, WorkflowError
from wayvo_app.services import accounts, workflows
from wayvo_app.store import db
from wayvo_app.store.models import Workflow


def create(owner_id: str, document: dict[str, Any], only_workspace: str | None = None) -> dict[str, Any]:
    """A new workflow from a document: its id and published version. `workspaceId` in the document
    picks the workspace (default: the caller's personal one, or the API key's own, `only_workspace`)."""
    document = dict(document)
    workspace_id = document.pop("workspaceId", None) or only_workspace
    if not isinstance(workspace_id, str | None) or (only_workspace and workspace_id != only_workspace):
        raise NotFoundError("Workspace not found")
    with db.session() as s:
        wf = workflows.create_workflow(s, owner_id, document, workspace_id)
        return {"id": wf.id, "version": wf.published_version}


def read(workflow_id: str, owner_id: str) -> dict[str, Any]:
    """The owner's workflow as a document; WorkflowNotFoundError for anyone else."""
    with db.read_session() as s:
        return workflows.export_document(workflows.get_owned(s, workflow_id, owner_id))


def update(workflow_id: str, owner_id: str, document: dict[str, Any]) -> dict[str, Any]:
    with db.session() as s:
        wf = workflows.update_workflow(s, workflow_id, owner_id, document)
        return {"id": wf.id, "version": wf.published_version}


def publish(workflow_id: str, owner_id: str) -> int:
    """Publishes the draft; the new version number."""
    with db.session() as s:
        return workflows.publish_workflow(s, workflow_id, owner_id, created_by=owner_id).version


def require_webhook_trigger(workflow_id: str, owner_id: str) -> None:
    """BadRequestError unless the owner's workflow starts with a Webhook trigger."""
    with db.read_session() as s:
        if workflows.get_owned(s, workflow_id, owner_id).trigger_type != "Webhook":
            raise BadRequestError("This workflow's trigger is not a Webhook trigger")


def import_document(owner_name: str, document: Any, *, publish: bool = False) -> str:
    """`wayvo workflows import`: a new workflow of the named user (version 1 published if asked)."""
    with db.session() as s:
        user = accounts.find_user(s, owner_name)
        if user is None:
            raise WorkflowError(f'User "{owner_name}" not found')
        wf = workflows.create_workflow(s, user.id, document)
        if publish:
            workflows.publish_workflow(s, wf.id, user.id, created_by=user.id)
        return wf.id


def export(workflow_id: str) -> dict[str, Any] | None:
    """`wayvo workflows export`: any workflow's document by id, or None."""
    with db.read_session() as s:
        wf = s.get(Workflow, workflow_id)
        return workflows.export_document(wf) if wf is not None else None


def add_missing_samples(owner_name: str, samples: list[dict[str, Any]], url: str | None = None) -> list[str]:
    """The demo's workflows for the owner, created and published unless one of that name exists;
    one line per sample, in one transaction."""
    lines = []
    with db.session(url) as s:
        owner = accounts.find_user(s, owner_name)
        for document in samples:
            found = s.exec(select(Workflow.id).where(Workflow.owner_id == owner.id,
                                                     Workflow.name == document["name"])).scalar()
            if found:
                lines.append(f'workflow "{document["name"]}" exists ({found})')
                continue
            wf = workflows.create_workflow(s, owner.id, document)
            workflows.publish_workflow(s, wf.id, owner.id, created_by=owner.id)
            lines.append(f'workflow "{document["name"]}" created and published ({wf.id})')
    return lines
