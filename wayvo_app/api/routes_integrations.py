"""Routes: the caller's integrations (credentials). Configs are stored encrypted, never returned."""

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


def _json(row) -> dict:
    return {"id": row.id, "type": row.type, "name": row.name, "createdAt": row.created_at.isoformat()}


@router.post(routes.API_INTEGRATIONS, tags=["integrations"])
def create_integration(body: IntegrationBody, me: Principal = Depends(current_principal)):
    return _json(integrations.add_integration(me.id, type=body.type, name=body.name, config=body.config,
                                              known=integration_specs()))


@router.get(routes.API_INTEGRATIONS, tags=["integrations"])
def list_integrations(type: str | None = None, me: Principal = Depends(current_principal)):
    return [_json(row) for row in integrations.integrations_of(me.id, type)]


@router.delete(routes.API_INTEGRATIONS + "/{integration_id}", tags=["integrations"])
def delete_integration(integration_id: str, me: Principal = Depends(current_principal)):
    integrations.remove_integration(me.id, integration_id)
    return {"id": integration_id, "deleted": True}
