"""Workspaces and their members: personal workspaces, roles, and the SQL clauses that limit a
query to what a user may see (lists filter in SQL, never fetch-then-check)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlmodel import Session

from wayvo_app.store.models import (
    ApiKey,
    BufferedSignal,
    Execution,
    Integration,
    Workflow,
    Workspace,
    WorkspaceMember,
)

ROLES = ("member", "operator", "editor", "admin")  # lowest first: each role includes the ones before it


def create_workspace(s: Session, name: str, admin_user_id: str, *, personal: bool = False) -> Workspace:
    """A workspace with `admin_user_id` as its admin."""
    ws = Workspace(name=name.strip()[:200], personal=personal)
    s.add(ws)
    s.flush()
    s.add(WorkspaceMember(workspace_id=ws.id, user_id=admin_user_id, role="admin"))
    s.flush()
    return ws


def personal_workspace_id(s: Session, user_id: str) -> str | None:
    """The id of the user's personal workspace (the one made with the user)."""
    return s.exec(select(Workspace.id).join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
                  .where(WorkspaceMember.user_id == user_id, Workspace.personal.is_(True))
                  .order_by(Workspace.created_at).limit(1)).scalar()


def member_role(s: Session, user_id: str, workspace_id: str) -> str | None:
    """The user's role in the workspace, None when not a member."""
    return s.exec(select(WorkspaceMember.role).where(WorkspaceMember.user_id == user_id,
                                                     WorkspaceMember.workspace_id == workspace_id)).scalar()


def roles_from(lowest: str) -> tuple[str, ...]:
    """`lowest` and every role above it."""
    return ROLES[ROLES.index(lowest):]


def workspaces_of(user_id: str, lowest: str = "member") -> Any:
    """A subquery of the ids of the workspaces where the user holds `lowest` or a higher role."""
    return select(WorkspaceMember.workspace_id).where(WorkspaceMember.user_id == user_id,
                                                      WorkspaceMember.role.in_(roles_from(lowest)))


def _within(column: Any, clause: Any, only: str | None) -> Any:
    """`clause`, limited to the workspace `only` when given (an API key acts only in its own)."""
    return clause if only is None else and_(column == only, clause)


def visible_workflows(user_id: str, only: str | None = None) -> Any:
    """Workflows of the workspaces the user belongs to (any role)."""
    return _within(Workflow.workspace_id, Workflow.workspace_id.in_(workspaces_of(user_id)), only)


def visible_executions(user_id: str, only: str | None = None) -> Any:
    """Every execution of the workspaces where the user is an operator or above, and the ones
    the user started in a workspace they still belong to."""
    return _within(Execution.workspace_id,
                   or_(Execution.workspace_id.in_(workspaces_of(user_id, "operator")),
                       and_(Execution.user_id == user_id, Execution.workspace_id.in_(workspaces_of(user_id)))),
                   only)


def visible_integrations(user_id: str, only: str | None = None) -> Any:
    return _within(Integration.workspace_id, Integration.workspace_id.in_(workspaces_of(user_id, "editor")), only)


def visible_api_keys(user_id: str, only: str | None = None) -> Any:
    """Every key of the workspaces where the user is an editor or above, and the user's own keys
    in the workspaces they still belong to."""
    return _within(ApiKey.workspace_id,
                   or_(ApiKey.workspace_id.in_(workspaces_of(user_id, "editor")),
                       and_(ApiKey.user_id == user_id, ApiKey.workspace_id.in_(workspaces_of(user_id)))), only)


def workflow_count(s: Session, workspace_id: str) -> int:
    return s.exec(select(func.count()).select_from(Workflow).where(Workflow.workspace_id == workspace_id)).one()[0]


def delete_workspace_rows(s: Session, workspace_id: str) -> None:
    """A workspace without workflows (so without executions, approvals or waits) and what it still
    holds: API keys, integrations, buffered signals, members."""
    for table in (ApiKey, Integration, BufferedSignal, WorkspaceMember):
        s.exec(delete(table).where(table.workspace_id == workspace_id))
    s.exec(delete(Workspace).where(Workspace.id == workspace_id))
    s.flush()


def set_member(s: Session, workspace_id: str, user_id: str, role: str) -> WorkspaceMember:
    """Add the user to the workspace with `role`, or change their role."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    row = s.exec(select(WorkspaceMember).where(WorkspaceMember.workspace_id == workspace_id,
                                               WorkspaceMember.user_id == user_id)).scalars().first()
    row = row or WorkspaceMember(workspace_id=workspace_id, user_id=user_id, role=role)
    row.role = role
    s.add(row)
    s.flush()
    return row
