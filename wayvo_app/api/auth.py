"""Bearer authentication for API routes: a login session token or a workflow API key. The checks
(failure limits, the token's one-statement lookup, the key's scopes) run off the event loop: in
the dependency's own thread hop, or in the route's (`authorizer`, `key_authorizer`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy import Connection

from wayvo_app.api.rate_limit import client_key
from wayvo_app.api.scopes import refusal, scope_for
from wayvo_app.core.errors import AuthenticationError, ForbiddenError
from wayvo_app.services import accounts, api_keys, failure_limits
from wayvo_app.services.accounts import Principal
from wayvo_app.settings import get_settings

INVALID_TOKEN = "Invalid or expired token"
INVALID_KEY = "Invalid or revoked API key"


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Missing or malformed Authorization header (expected: Bearer <token>)")
    return token.strip()


def _key_token(request: Request) -> str:
    token = _bearer(request)
    if not token.startswith(api_keys.KEY_PREFIX):
        raise AuthenticationError("This route needs a workflow API key (wfb_...)")
    return token


def principal_for_token(token: str) -> Principal | None:
    return accounts.principal_for_token(token, get_settings().secret_key)


def _checked(request: Request, token: str, message: str, conn: Connection | None = None) -> Principal:
    """The token's principal (looked up on `conn` when given, else in a statement of its own);
    repeated invalid tokens from one client get 429 (that client only)."""
    client = client_key(request)
    failure_limits.check_token_address(client)
    if conn is None:
        principal = principal_for_token(token)
    else:
        principal = accounts.principal_in(conn, token, get_settings().secret_key)
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


def _authenticated(request: Request, token: str, message: str) -> Principal:
    return _in_scope(request, _checked(request, token, message))


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, from a session token or an API key in scope; 401/403 otherwise."""
    token = _bearer(request)
    return await asyncio.to_thread(_authenticated, request, token, INVALID_TOKEN)


async def api_key_principal(request: Request) -> Principal:
    """FastAPI dependency for machine routes (the webhook): a workflow API key only."""
    token = _key_token(request)
    return await asyncio.to_thread(_authenticated, request, token, INVALID_KEY)


async def bearer_token(request: Request) -> str:
    """FastAPI dependency for a route that checks its caller in its own thread hop: the Bearer
    token (401 when the header is missing or malformed); `authorizer` does the rest."""
    return _bearer(request)


async def api_key_bearer(request: Request) -> str:
    """FastAPI dependency for a machine route that checks its key in its own transaction (the
    signal): a `wfb_` token from the header (401 otherwise); `key_authorizer` does the rest."""
    return _key_token(request)


def _connection(s: Any) -> Connection:
    return s if isinstance(s, Connection) else s.connection()


def authorizer(request: Request, token: str, then: Callable[[], None] | None = None) -> Callable[[Any], Principal]:
    """`authorize(conn)`: what `current_principal` checks (repeated invalid tokens from one client
    get 429, an unknown, expired or revoked token 401, a key out of scope 403), on the caller's
    connection or session, in its thread; `then` runs after (the route's own checks of its body)."""
    return _authorize(request, token, INVALID_TOKEN, then)


def key_authorizer(request: Request, token: str, then: Callable[[], None] | None = None) -> Callable[[Any], Principal]:
    """`authorize(session)`: what `api_key_principal` checks, done in the caller's transaction;
    `then` runs after (the route's own checks of its body)."""
    return _authorize(request, token, INVALID_KEY, then)


def _authorize(request: Request, token: str, message: str,
               then: Callable[[], None] | None) -> Callable[[Any], Principal]:
    def authorize(s: Any) -> Principal:
        principal = _in_scope(request, _checked(request, token, message, _connection(s)))
        if then is not None:
            then()
        return principal

    return authorize
