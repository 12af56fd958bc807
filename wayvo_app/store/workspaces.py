"""Workspaces and their members: creating a user's personal workspace, looking up roles."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.store.models import Workspace, WorkspaceMember

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
