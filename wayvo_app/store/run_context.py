"""What starting a run needs, read in one query: the user, the workflow, the user's role in the
workflow's workspace and the version the run would be pinned to (trigger_workflow's hot path)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, literal, select
from sqlmodel import Session

from wayvo_app.store.models import User, Workflow, WorkflowVersion, WorkspaceMember
from wayvo_app.store.users import normalize_user_name


class RunContext(NamedTuple):
    user: User
    workflow: Workflow | None
    role: str | None  # None: not a member of the workflow's workspace
    version: WorkflowVersion | None  # the asked version, else the published one; None if none


def run_context(s: Session, user_name: str | None, workflow_id: str | None, version: int | None) -> RunContext | None:
    """None when no user has this name."""
    number = literal(version) if version is not None else Workflow.published_version
    stmt = (select(User, Workflow, WorkspaceMember.role, WorkflowVersion).select_from(User)
            .outerjoin(Workflow, Workflow.id == (workflow_id or ""))
            .outerjoin(WorkspaceMember, and_(WorkspaceMember.workspace_id == Workflow.workspace_id,
                                             WorkspaceMember.user_id == User.id))
            .outerjoin(WorkflowVersion, and_(WorkflowVersion.workflow_id == Workflow.id,
                                             WorkflowVersion.version == number))
            .where(User.user_name == normalize_user_name(user_name)))
    row = s.exec(stmt).first()
    return RunContext(*row) if row is not None else None
