"""Bearer authentication for API routes: a login session token or a workflow API key."""

from __future__ import annotations

from fastapi import Request

from wayvo_app.engine import accounts, api_keys, db
from wayvo_app.engine.accounts import Principal
from wayvo_app.engine.errors import AuthenticationError
from wayvo_app.settings import get_settings


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Missing or malformed Authorization header (expected: Bearer <token>)")
    return token.strip()


def principal_for_token(token: str) -> Principal | None:
    with db.session() as s:
        if token.startswith(api_keys.KEY_PREFIX):
            found = api_keys.user_for_api_key(s, token)
            return accounts.principal_of(found[0], via_api_key=found[1].name) if found else None
        user = accounts.user_for_session(s, token, get_settings().secret_key)
        return accounts.principal_of(user) if user else None


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, from a session token or an API key; 401 otherwise."""
    principal = principal_for_token(_bearer(request))
    if principal is None:
        raise AuthenticationError("Invalid or expired token")
    return principal


def api_key_principal(request: Request) -> Principal:
    """FastAPI dependency for machine routes (signal, webhook): a workflow API key only."""
    token = _bearer(request)
    if not token.startswith(api_keys.KEY_PREFIX):
        raise AuthenticationError("This route needs a workflow API key (wfb_...)")
    principal = principal_for_token(token)
    if principal is None:
        raise AuthenticationError("Invalid or revoked API key")
    return principal
