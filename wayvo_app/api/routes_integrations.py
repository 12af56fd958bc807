"""Routes: the integrations of the caller's workspaces (credentials). Configs are stored encrypted, never returned."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from wayvo_app import routes
from wayvo_app.api.auth import current_principal
from wayvo_app.plugins.client_plugins import integration_specs
from wayvo_app.services import integrations
from wayvo_app.services.accounts import Principal

router = APIRouter()


class IntegrationBody(BaseModel):
    type: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)
    workspaceId: str | None = Field(default=None, max_length=36)


def _json(row) -> dict:
    return {"id": row.id, "type": row.type, "name": row.name, "createdAt": row.created_at.isoformat()}


@router.post(routes.API_INTEGRATIONS, tags=["integrations"])
def create_integration(body: IntegrationBody, me: Principal = Depends(current_principal)):
    """A new integration in `workspaceId` (default: an API key's workspace, else the caller's
    personal one; the editor role is needed there)."""
    return _json(integrations.add_integration(me, type=body.type, name=body.name, config=body.config,
                                              known=integration_specs(), workspace_id=body.workspaceId))


@router.get(routes.API_INTEGRATIONS, tags=["integrations"])
def list_integrations(type: str | None = None, workspaceId: str | None = None,
                      me: Principal = Depends(current_principal)):
    """The integrations of the caller's workspaces where they are an editor (of `workspaceId` only)."""
    return [_json(row) for row in integrations.integrations_of(me, type, workspaceId)]


@router.delete(routes.API_INTEGRATIONS + "/{integration_id}", tags=["integrations"])
def delete_integration(integration_id: str, me: Principal = Depends(current_principal)):
    integrations.remove_integration(me, integration_id)
    return {"id": integration_id, "deleted": True}
