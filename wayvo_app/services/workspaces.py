"""Workspaces and their members (contract §7): list, create, rename and delete workspaces, list
members, add or change a member's role, remove one. access.ACTIONS decides who may (admins change
members and the workspace); the last admin stays (409); a workspace holding workflows stays (409)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from wayvo_app.core.errors import BadRequestError, ConflictError, NotFoundError
from wayvo_app.services import access
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import User, Workspace, WorkspaceMember
from wayvo_app.store.users import user_by_name

ROLES = access.ROLES  # lowest first
NOT_FOUND = "Workspace not found"
LAST_ADMIN = "The last admin of a workspace cannot be removed"


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadRequestError("role must be admin, editor, operator or member")
    return role


def _visible(s: Session, workspace_id: str, user_id: str, only: str | None) -> Workspace:
    """The workspace; 404 for a non-member (or outside an API key's workspace)."""
    return access.workspace_for(s, access.Acting(user_id, only), "workspace.view", workspace_id)


def _locked(s: Session, workspace_id: str) -> Workspace:
    """The workspace row, locked on PostgreSQL so two admins removing each other cannot both win."""
    ws = s.exec(select(Workspace).where(Workspace.id == workspace_id).with_for_update()).scalars().first()
    if ws is None:
        raise NotFoundError(NOT_FOUND)
    return ws


def _admins(s: Session, workspace_id: str) -> int:
    return s.exec(select(func.count()).select_from(WorkspaceMember).where(
        WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.role == "admin")).one()[0]


def list_workspaces(s: Session, user_id: str, only: str | None = None) -> list[dict]:
    stmt = (select(Workspace, WorkspaceMember.role)
            .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
            .where(WorkspaceMember.user_id == user_id)
            .order_by(Workspace.personal.desc(), func.lower(Workspace.name), Workspace.created_at))
    if only is not None:
        stmt = stmt.where(Workspace.id == only)
    return [{"id": ws.id, "name": ws.name, "personal": bool(ws.personal), "role": role}
            for ws, role in s.exec(stmt).all()]


def create_workspace(s: Session, user_id: str, name: str) -> dict:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadRequestError("Workspace name must be 1 to 200 characters")
    ws = store_workspaces.create_workspace(s, name, user_id)
    return {"id": ws.id, "name": ws.name}


def list_members(s: Session, workspace_id: str, user_id: str, only: str | None = None) -> list[dict]:
    _visible(s, workspace_id, user_id, only)
    rows = s.exec(select(User, WorkspaceMember.role).join(WorkspaceMember, WorkspaceMember.user_id == User.id)
                  .where(WorkspaceMember.workspace_id == workspace_id).order_by(User.user_name)).all()
    return [{"userName": u.user_name, "displayName": u.display_name or u.user_name, "role": role}
            for u, role in rows]


def _require_admin(s: Session, workspace_id: str, actor_id: str | None, only: str | None,
                   action: str = "workspace.members") -> Workspace:
    """The locked shared workspace if the actor may do `action` (None: the CLI, an installation
    administrator); a personal workspace has no members to change."""
    if actor_id is not None:
        access.workspace_for(s, access.Acting(actor_id, only), action, workspace_id)
    ws = _locked(s, workspace_id)
    if ws.personal:
        raise BadRequestError("A personal workspace has only its owner; create a shared workspace")
    return ws


def set_member(s: Session, workspace_id: str, actor_id: str | None, user_name: str, role: str,
               only: str | None = None) -> dict:
    """Adds the user with `role` or changes their role; demoting the last admin is a 409."""
    _check_role(role)
    _require_admin(s, workspace_id, actor_id, only)
    user = user_by_name(s, user_name)
    if user is None:
        raise NotFoundError(f'User "{user_name}" not found')
    row = s.exec(select(WorkspaceMember).where(WorkspaceMember.workspace_id == workspace_id,
                                               WorkspaceMember.user_id == user.id)).scalars().first()
    if row is None:
        s.add(WorkspaceMember(workspace_id=workspace_id, user_id=user.id, role=role))
    else:
        if row.role == "admin" and role != "admin" and _admins(s, workspace_id) <= 1:
            raise ConflictError(LAST_ADMIN)
        row.role = role
        s.add(row)
    s.flush()
    return {"userName": user.user_name, "role": role}


def remove_member(s: Session, workspace_id: str, actor_id: str, user_name: str, only: str | None = None) -> None:
    _require_admin(s, workspace_id, actor_id, only)
    user = user_by_name(s, user_name)
    row = s.exec(select(WorkspaceMember).where(WorkspaceMember.workspace_id == workspace_id,
                                               WorkspaceMember.user_id == user.id)).scalars().first() if user else None
    if row is None:
        raise NotFoundError(f'"{user_name}" is not a member of this workspace')
    if row.role == "admin" and _admins(s, workspace_id) <= 1:
        raise ConflictError(LAST_ADMIN)
    s.delete(row)


def rename_workspace(s: Session, workspace_id: str, actor_id: str, name: str, only: str | None = None) -> dict:
    """A new name (admins; a personal workspace too)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise BadRequestError("Workspace name must be 1 to 200 characters")
    ws = access.workspace_for(s, access.Acting(actor_id, only), "workspace.manage", workspace_id, lock=True)
    ws.name = name
    s.add(ws)
    s.flush()
    return {"id": ws.id, "name": ws.name}


def delete_workspace(s: Session, workspace_id: str, actor_id: str, only: str | None = None) -> None:
    """Delete a shared workspace (admins) with its members, integrations, API keys and buffered
    signals; refused (409) while it holds workflows, which carry the executions and their history."""
    access.workspace_for(s, access.Acting(actor_id, only), "workspace.manage", workspace_id)
    ws = _locked(s, workspace_id)
    if ws.personal:
        raise BadRequestError("A personal workspace cannot be deleted")
    held = store_workspaces.workflow_count(s, ws.id)
    if held:
        raise ConflictError(f"This workspace still holds {held} workflow{'s' if held != 1 else ''}; "
                            "delete them first")
    store_workspaces.delete_workspace_rows(s, ws.id)


def find_workspace(s: Session, id_or_name: str) -> Workspace:
    """A shared workspace by id, or by name when exactly one has it (the CLI's WORKSPACE argument)."""
    ws = s.get(Workspace, id_or_name)
    if ws is not None:
        return ws
    found = s.exec(select(Workspace).where(Workspace.name == id_or_name, Workspace.personal.is_(False))).scalars().all()
    if len(found) != 1:
        raise NotFoundError(NOT_FOUND if not found else f'Several workspaces are named "{id_or_name}"; use its id')
    return found[0]


# Entry points for the web layer and the CLI: each opens its own transaction.

def workspaces_of(user_id: str, only: str | None = None) -> list[dict]:
    """The workspaces the user belongs to, personal first: `[{id, name, personal, role}]`."""
    with db.read_session() as s:
        return list_workspaces(s, user_id, only)


def new_workspace(user_id: str, name: str) -> dict:
    """A shared workspace with the caller as its admin."""
    with db.session() as s:
        return create_workspace(s, user_id, name)


def members_of(workspace_id: str, user_id: str, only: str | None = None) -> list[dict]:
    with db.read_session() as s:
        return list_members(s, workspace_id, user_id, only)


def put_member(workspace_id: str, actor_id: str, user_name: str, role: str, only: str | None = None) -> dict:
    with db.session() as s:
        return set_member(s, workspace_id, actor_id, user_name, role, only)


def delete_member(workspace_id: str, actor_id: str, user_name: str, only: str | None = None) -> None:
    with db.session() as s:
        remove_member(s, workspace_id, actor_id, user_name, only)


def create_for_admin(name: str, admin_user_name: str) -> dict:
    """CLI: a shared workspace with the named user as its admin."""
    with db.session() as s:
        user = user_by_name(s, admin_user_name)
        if user is None:
            raise NotFoundError(f'User "{admin_user_name}" not found')
        return create_workspace(s, user.id, name)


def put_member_as_installation(workspace: str, user_name: str, role: str) -> dict:
    """CLI (an installation administrator): add or change a member of WORKSPACE (id or name)."""
    with db.session() as s:
        return set_member(s, find_workspace(s, workspace).id, None, user_name, role)


def rename(workspace_id: str, actor_id: str, name: str, only: str | None = None) -> dict:
    with db.session() as s:
        return rename_workspace(s, workspace_id, actor_id, name, only)


def delete(workspace_id: str, actor_id: str, only: str | None = None) -> None:
    with db.session() as s:
        delete_workspace(s, workspace_id, actor_id, only)


def role_in(user_id: str, workspace_id: str) -> str | None:
    with db.read_session() as s:
        return access.role_in(s, user_id, workspace_id)
