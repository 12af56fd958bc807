"""API-key scopes and expiry (contract §7) through the real FastAPI app: every route names its scope
in api/scopes.py, a key outside it gets 403 naming the scope, keys never manage keys."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from tests.helpers import make_user
from wayvo_app.api.app import create_api
from wayvo_app.api.scopes import KEYS_NEVER, ROUTE_SCOPES
from wayvo_app.services import accounts, api_keys
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import ApiKey, utcnow

ALL = ["execute", "signal", "approve", "manage"]


def _api_routes() -> list[tuple[str, str]]:
    """Every documented route of the API (the OpenAPI document lists each path and method)."""
    paths = create_api().openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() for method in operations]


@pytest.fixture
async def api(db_url):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _session(user_name: str = "owner") -> dict:
    make_user(user_name)
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


def _key(scopes, user_name: str = "owner", **kwargs) -> dict:
    user_id = make_user(user_name)
    return {"Authorization": f"Bearer {api_keys.new_api_key(user_id, 'k', scopes=scopes, **kwargs).key}"}


def _url(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # any value: the scope check runs before the lookup


def test_every_api_route_has_a_row_in_the_scope_table():
    routes = _api_routes()
    assert routes, "no API routes found"
    missing = [r for r in routes if r not in ROUTE_SCOPES]
    assert missing == [], f"add these routes to api/scopes.py ROUTE_SCOPES: {missing}"
    stale = [r for r in ROUTE_SCOPES if r not in routes]
    assert stale == [], f"rows of api/scopes.py without a route: {stale}"


@pytest.mark.parametrize("method,path", [r for r, scope in ROUTE_SCOPES.items() if scope in ALL])
async def test_a_key_lacking_the_routes_scope_gets_403_naming_it(api, method, path):
    scope = ROUTE_SCOPES[(method, path)]
    headers = _key([s for s in ALL if s != scope])
    r = await api.request(method, _url(path), json={}, headers=headers)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": f"This API key lacks the '{scope}' scope", "code": "forbidden"}
    # The same key with the scope passes the check (whatever the route then answers).
    allowed = await api.request(method, _url(path), json={}, headers=_key([scope]))
    assert allowed.status_code != 403 or "scope" not in allowed.json()["error"]


@pytest.mark.parametrize("method,path", [r for r, scope in ROUTE_SCOPES.items() if scope == KEYS_NEVER])
async def test_keys_with_every_scope_cannot_create_or_revoke_keys_or_workspaces(api, method, path):
    r = await api.request(method, _url(path), json={"name": "x"}, headers=_key(ALL))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def test_a_key_cannot_revoke_itself_or_another_key(api):
    session = _session()
    other = (await api.post("/api/api-keys/create", json={"name": "other"}, headers=session)).json()
    key = _key(ALL)
    r = await api.delete(f"/api/api-keys/{other['id']}", headers=key)
    assert r.status_code == 403 and "cannot create or revoke" in r.json()["error"]
    r = await api.post("/api/api-keys/create", json={"name": "spawn", "scopes": ALL}, headers=key)
    assert r.status_code == 403
    assert [k["name"] for k in (await api.get("/api/api-keys", headers=session)).json()] == ["k", "other"]


async def test_create_takes_scopes_and_expiry_and_the_list_shows_them(api):
    session = _session()
    r = await api.post("/api/api-keys/create", headers=session,
                       json={"name": "CI", "scopes": ["approve", "execute"], "expiresAt": "2999-01-31"})
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["scopes"] == ["execute", "approve"] and created["expiresAt"].startswith("2999-02-01T00:00:00")
    plain = (await api.post("/api/api-keys/create", json={"name": "plain"}, headers=session)).json()
    assert plain["scopes"] == ["execute", "signal"] and plain["expiresAt"] is None
    listed = {k["name"]: k for k in (await api.get("/api/api-keys", headers=session)).json()}
    assert listed["CI"]["scopes"] == ["execute", "approve"] and listed["CI"]["expiresAt"] == created["expiresAt"]
    assert "key" not in listed["CI"]


@pytest.mark.parametrize("body,message", [
    ({"scopes": ["execute", "admin"]}, "Unknown scope 'admin'"),
    ({"scopes": []}, "at least one scope"),
    ({"expiresAt": "2001-01-01"}, "in the future"),
    ({"expiresAt": "next tuesday"}, "expiresAt must be a date"),
])
async def test_bad_scopes_or_expiry_are_a_400(api, body, message):
    r = await api.post("/api/api-keys/create", json={"name": "bad"} | body, headers=_session())
    assert r.status_code == 400 and message in r.json()["error"], r.text


async def test_an_expired_key_is_refused_like_a_revoked_one(api):
    headers = _key(["manage"], expires_at=(utcnow() + timedelta(hours=1)).isoformat())
    assert (await api.get("/api/api-keys", headers=headers)).status_code == 200
    with db.session() as s:
        s.exec(update(ApiKey).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = await api.get("/api/api-keys", headers=headers)
    assert r.status_code == 401 and r.json() == {"error": "Invalid or expired token", "code": "unauthorized"}
    r = await api.post("/api/workflow/events/signal", json={"eventNamespace": "a", "eventKey": "b"}, headers=headers)
    assert r.status_code == 401


async def test_session_tokens_are_not_limited_by_scopes(api):
    r = await api.get("/api/workflow/approvals", headers=_session())
    assert r.status_code == 200 and r.json() == []


def test_0005_gives_existing_keys_every_scope_and_no_expiry(empty_db_url):
    from alembic import command
    from sqlalchemy import text

    from wayvo_app.store.migrations import alembic_config, upgrade

    command.upgrade(alembic_config(empty_db_url), "0004")
    engine = db.get_engine(empty_db_url)
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, user_name, display_name, password_hash, roles, disabled, created_at) "
                          "VALUES ('u1', 'alice', 'Alice', 'x', '[]', false, :t)"), {"t": now})
        conn.execute(text("INSERT INTO workspaces (id, name, personal, created_at) VALUES ('w1', 'A', true, :t)"),
                     {"t": now})
        conn.execute(text("INSERT INTO api_keys (id, workspace_id, user_id, name, key_hash, key_prefix, created_at) "
                          "VALUES ('k1', 'w1', 'u1', 'old', 'h', 'wfb_x', :t)"), {"t": now})
    upgrade(empty_db_url)
    with db.session(empty_db_url) as s:
        key = s.get(ApiKey, "k1")
        assert key.scopes == ALL and key.expires_at is None
    command.downgrade(alembic_config(empty_db_url), "0004")
    upgrade(empty_db_url)
