"""Routes: sign in with a password, and manage the caller's workflow API keys."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from wayvo_app import routes
from wayvo_app.api.auth import current_principal
from wayvo_app.api.rate_limit import client_key
from wayvo_app.core.times import aware
from wayvo_app.services import api_keys, failure_limits
from wayvo_app.services.accounts import Principal
from wayvo_app.settings import get_settings

router = APIRouter()


class LoginBody(BaseModel):
    userName: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class ApiKeyBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    workspaceId: str | None = Field(default=None, max_length=36)
    scopes: list[str] | None = Field(default=None, max_length=4)
    expiresAt: str | None = Field(default=None, max_length=40)


def _iso(value):
    return aware(value).isoformat() if value else None


@router.post(routes.API_LOGIN, tags=["auth"])
def login(body: LoginBody, request: Request):
    """Sign in; repeated failures for one user name or from one address get 429 with Retry-After.
    A plain `def`: FastAPI runs it in a thread, so the password hash never blocks the event loop."""
    token, expires, user = failure_limits.sign_in_limited(body.userName, body.password, get_settings().secret_key,
                                                          address=client_key(request))
    return {"token": token, "expiresAt": _iso(expires), "user": user.to_json()}


@router.post(routes.API_KEYS + "/create", tags=["api keys"])
def create_api_key(body: ApiKeyBody, me: Principal = Depends(current_principal)):
    """A new key (shown once) for `workspaceId` (default: the caller's personal workspace), with
    `scopes` (default execute + signal) and an optional `expiresAt` (a date or an ISO date-time)."""
    new = api_keys.new_api_key(me.id, body.name, workspace_id=body.workspaceId, scopes=body.scopes,
                               expires_at=body.expiresAt)
    return _key_json(new.row, me.user_name) | {"key": new.key}


def _key_json(row, created_by: str | None = None) -> dict:
    return {"id": row.id, "name": row.name, "keyPrefix": row.key_prefix, "createdBy": created_by,
            "workspaceId": getattr(row, "workspace_id", None), "scopes": list(row.scopes or ()),
            "expiresAt": _iso(row.expires_at), "createdAt": _iso(row.created_at),
            "lastUsedAt": _iso(row.last_used_at)}


@router.get(routes.API_KEYS, tags=["api keys"])
def list_api_keys(workspaceId: str | None = None, me: Principal = Depends(current_principal)):
    """The caller's live keys, and every key of the workspaces where the caller is an editor or
    admin (of `workspaceId` only when given; an API key sees only those of its own workspace)."""
    return [_key_json(row, name) for row, name in api_keys.keys_with_creators(me, workspaceId)]


@router.delete(routes.API_KEYS + "/{key_id}", tags=["api keys"])
def revoke_api_key(key_id: str, me: Principal = Depends(current_principal)):
    api_keys.revoke(me, key_id)
    return {"id": key_id, "revoked": True}
