"""Who may touch a workflow: today its owner only (the teams issue grows this into the
permissions module). Someone else's workflow answers exactly like a missing one."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.core.errors import WorkflowNotFoundError
from wayvo_app.store.models import Workflow


def owned_workflow(s: Session, workflow_id: str | None, user_id: str) -> Workflow:
    """The workflow if `user_id` owns it; WorkflowNotFoundError otherwise."""
    wf = s.get(Workflow, workflow_id) if workflow_id else None
    if wf is None or wf.owner_id != user_id:
        raise WorkflowNotFoundError()
    return wf


def owns_workflow(s: Session, workflow_id: str, user_id: str) -> bool:
    owner = s.exec(select(Workflow.owner_id).where(Workflow.id == workflow_id)).scalar()
    return owner == user_id
