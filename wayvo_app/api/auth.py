"""Bearer authentication for API routes: a login session token or a workflow API key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from wayvo_app.api.rate_limit import client_key
from wayvo_app.api.scopes import refusal, scope_for
from wayvo_app.core.errors import AuthenticationError, ForbiddenError
from wayvo_app.services import accounts, api_keys, failure_limits
from wayvo_app.services.accounts import Principal
from wayvo_app.settings import get_settings


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Missing or malformed Authorization header (expected: Bearer <token>)")
    return token.strip()


def principal_for_token(token: str) -> Principal | None:
    return accounts.principal_for_token(token, get_settings().secret_key)


def _checked(request: Request, token: str, message: str) -> Principal:
    """The token's principal; repeated invalid tokens from one client get 429 (that client only)."""
    client = client_key(request)
    failure_limits.check_token_address(client)
    principal = principal_for_token(token)
    if principal is None:
        failure_limits.token_failed(client)
        raise AuthenticationError(message)
    return principal


def _in_scope(request: Request, principal: Principal) -> Principal:
    """An API key may call only the routes its scopes cover (api/scopes.py); 403 naming the scope."""
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    why = refusal(scope_for(request.method, path), principal.scopes, request.method, path)
    if why:
        raise ForbiddenError(why)
    return principal


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, from a session token or an API key in scope; 401/403 otherwise."""
    return _in_scope(request, _checked(request, _bearer(request), "Invalid or expired token"))


async def api_key_bearer(request: Request) -> str:
    """FastAPI dependency for a machine route that checks its key in its own transaction (the
    signal): a `wfb_` token from the header (401 otherwise); `key_authorizer` does the rest."""
    token = _bearer(request)
    if not token.startswith(api_keys.KEY_PREFIX):
        raise AuthenticationError("This route needs a workflow API key (wfb_...)")
    return token


def key_authorizer(request: Request, token: str, then: Callable[[], None] | None = None) -> Callable[[Any], Principal]:
    """`authorize(session)`: what `api_key_principal` checks (repeated invalid tokens from one
    client get 429, a revoked, expired or unknown key 401, a key out of scope 403), done in the
    caller's transaction; `then` runs after (the route's own checks of its body)."""
    def authorize(s: Any) -> Principal:
        client = client_key(request)
        failure_limits.check_token_address(client)
        found = api_keys.user_for_api_key(s, token)
        if found is None:
            failure_limits.token_failed(client)
            raise AuthenticationError("Invalid or revoked API key")
        principal = _in_scope(request, accounts.principal_of_key(*found))
        if then is not None:
            then()
        return principal

    return authorize


def api_key_principal(request: Request) -> Principal:
    """FastAPI dependency for machine routes (signal, webhook): a workflow API key only."""
    token = _bearer(request)
    if not token.startswith(api_keys.KEY_PREFIX):
        raise AuthenticationError("This route needs a workflow API key (wfb_...)")
    return _in_scope(request, _checked(request, token, "Invalid or revoked API key"))
