"""Routes: the caller's workspaces and a workspace's members (contract §7). An API key sees only
its own workspace (`me.workspace_id`); others answer 404 as if missing."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from wayvo_app import routes
from wayvo_app.api.auth import current_principal
from wayvo_app.services import workspaces
from wayvo_app.services.accounts import Principal

router = APIRouter(tags=["workspaces"])
MEMBERS = routes.API_WORKSPACES + "/{workspace_id}/members"


class WorkspaceBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class MemberBody(BaseModel):
    role: str = Field(pattern="^(admin|editor|operator|member)$")


@router.get(routes.API_WORKSPACES)
def list_workspaces(me: Principal = Depends(current_principal)):
    """The workspaces the caller belongs to: `[{id, name, personal, role}]`."""
    return workspaces.workspaces_of(me.id, me.workspace_id)


@router.post(routes.API_WORKSPACES)
def create_workspace(body: WorkspaceBody, me: Principal = Depends(current_principal)):
    """A shared workspace; the caller (a session token, never an API key) is its admin."""
    return workspaces.new_workspace(me.id, body.name)


@router.patch(routes.API_WORKSPACES + "/{workspace_id}")
def rename_workspace(workspace_id: str, body: WorkspaceBody, me: Principal = Depends(current_principal)):
    """Renames the workspace (admins): `{name}` → `{id, name}`."""
    return workspaces.rename(workspace_id, me.id, body.name, me.workspace_id)


@router.delete(routes.API_WORKSPACES + "/{workspace_id}")
def delete_workspace(workspace_id: str, me: Principal = Depends(current_principal)):
    """Deletes a shared workspace (admins, session token only); 409 while it holds workflows."""
    workspaces.delete(workspace_id, me.id, me.workspace_id)
    return {"id": workspace_id, "deleted": True}


@router.get(MEMBERS)
def list_members(workspace_id: str, me: Principal = Depends(current_principal)):
    """The members and their roles: `[{userName, displayName, role}]` (members of the workspace only)."""
    return workspaces.members_of(workspace_id, me.id, me.workspace_id)


@router.put(MEMBERS + "/{user_name}")
def put_member(workspace_id: str, user_name: str, body: MemberBody, me: Principal = Depends(current_principal)):
    """Adds the user with `role`, or changes their role (admins only; the last admin stays: 409)."""
    return workspaces.put_member(workspace_id, me.id, user_name, body.role, me.workspace_id)


@router.delete(MEMBERS + "/{user_name}")
def remove_member(workspace_id: str, user_name: str, me: Principal = Depends(current_principal)):
    """Removes a member (admins only); the last admin cannot be removed (409)."""
    workspaces.delete_member(workspace_id, me.id, user_name, me.workspace_id)
    return {"userName": user_name, "removed": True}
