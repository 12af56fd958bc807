"""Workflow documents for the HTTP API and the CLI (create, read, update, publish, import, export,
the demo samples): each public function opens its own transaction around services/workflows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from wayvo_app.core.errors import BadRequestError, WorkflowError
from wayvo_app.services import access, accounts, workflows
from wayvo_app.store import db
from wayvo_app.store.models import Workflow


def create(who: Any, document: dict[str, Any], workspace_id: str | None = None) -> dict[str, Any]:
    """A new workflow from a document in `workspace_id` (default: an API key's workspace, else the
    caller's personal one; the caller needs the editor role there): its id and published version."""
    with db.session() as s:
        target = access.target_workspace(s, who, "workflow.create", workspace_id)
        wf = workflows.create_workflow(s, access.user_id_of(who), document, workspace_id=target)
        return {"id": wf.id, "version": wf.published_version}


def read(workflow_id: str, owner_id: Any) -> dict[str, Any]:
    """The workflow as a document if the caller (a user id or a principal) may edit it;
    WorkflowNotFoundError for anyone else."""
    with db.read_session() as s:
        return workflows.export_document(workflows.get_owned(s, workflow_id, owner_id))


def update(workflow_id: str, owner_id: Any, document: dict[str, Any]) -> dict[str, Any]:
    with db.session() as s:
        wf = workflows.update_workflow(s, workflow_id, owner_id, document)
        return {"id": wf.id, "version": wf.published_version}


def publish(workflow_id: str, owner_id: Any) -> int:
    """Publishes the draft; the new version number."""
    with db.session() as s:
        return workflows.publish_workflow(s, workflow_id, owner_id, created_by=access.user_id_of(owner_id)).version


def require_webhook_trigger(workflow_id: str, who: Any) -> None:
    """WorkflowNotFoundError unless the caller may run the workflow; BadRequestError unless it
    starts with a Webhook trigger."""
    with db.read_session() as s:
        if access.workflow_to_run(s, workflow_id, who).trigger_type != "Webhook":
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


def sample_ids(owner_name: str, names: list[str], url: str | None = None) -> list[str]:
    """The ids of the owner's workflows with these names, in the order of `names`."""
    with db.read_session(url) as s:
        owner = accounts.find_user(s, owner_name)
        rows = dict(s.exec(select(Workflow.name, Workflow.id).where(Workflow.owner_id == owner.id,
                                                                    Workflow.name.in_(names))).all())
    return [rows[name] for name in names]
