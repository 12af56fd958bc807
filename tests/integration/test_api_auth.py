"""The login and API-key routes through the real FastAPI app (httpx ASGI transport)."""

import httpx
import pytest

from wayvo_app.api.app import create_api
from wayvo_app.services import accounts
from wayvo_app.store import db


@pytest.fixture
async def client(db_url):
    with db.session() as s:
        accounts.create_user(s, "owner", "password1", roles=["admin"])
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _token(client) -> str:
    r = await client.post("/api/auth/login", json={"userName": "owner", "password": "password1"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


async def test_login_returns_token_and_user(client):
    r = await client.post("/api/auth/login", json={"userName": "Owner", "password": "password1"})
    body = r.json()
    assert r.status_code == 200
    assert body["user"] == {"userName": "owner", "displayName": "owner", "roles": ["admin"]}
    assert body["token"] and body["expiresAt"]


async def test_bad_credentials_give_401_in_the_error_shape(client):
    r = await client.post("/api/auth/login", json={"userName": "owner", "password": "wrong-one"})
    assert r.status_code == 401
    assert r.json() == {"error": "Invalid user name or password", "code": "unauthorized"}


@pytest.mark.parametrize("raw,status", [
    (b"{not json", 400), (b"[1, 2]", 400), (b'{"userName": NaN}', 400), (b'"text"', 400),
    (b'{"userName": "a\\u0000b", "password": "x"}', 400),
    (b'{"userName": "' + b"x" * (1024 * 1024) + b'"}', 413),
])
async def test_bad_bodies_are_refused_before_the_route(client, raw, status):
    r = await client.post("/api/auth/login", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert set(r.json()) == {"error", "code"}


async def test_missing_field_is_a_400_naming_it(client):
    r = await client.post("/api/auth/login", json={"userName": "owner"})
    assert r.status_code == 400 and "password" in r.json()["error"]


async def test_api_keys_create_list_revoke(client):
    headers = {"Authorization": f"Bearer {await _token(client)}"}
    created = (await client.post("/api/api-keys/create", json={"name": "CI", "scopes": ["manage"]},
                                 headers=headers)).json()
    assert created["key"].startswith("wfb_")
    listed = (await client.get("/api/api-keys", headers=headers)).json()
    assert [k["name"] for k in listed] == ["CI"] and "key" not in listed[0]
    key_headers = {"Authorization": f"Bearer {created['key']}"}
    assert (await client.get("/api/api-keys", headers=key_headers)).status_code == 200
    assert (await client.delete(f"/api/api-keys/{created['id']}", headers=headers)).status_code == 200
    r = await client.get("/api/api-keys", headers=key_headers)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer wfb_unknown", "Bearer nonsense"])
async def test_missing_or_bad_tokens_give_401(client, header):
    headers = {"Authorization": header} if header else {}
    r = await client.get("/api/api-keys", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


async def test_repeated_failed_logins_get_429_for_that_client_and_that_name_only(db_url):
    with db.session() as s:
        accounts.create_user(s, "owner", "password1")
        accounts.create_user(s, "second", "password1")
    api = create_api()
    attacker = httpx.AsyncClient(transport=httpx.ASGITransport(app=api, client=("10.0.0.66", 1234)),
                                 base_url="http://test")
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=api, client=("10.0.0.7", 1234)),
                              base_url="http://test")
    async with attacker, other:
        codes = [(await attacker.post("/api/auth/login", json={"userName": "owner", "password": "bad-pass"}))
                 .status_code for _ in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        blocked = await attacker.post("/api/auth/login", json={"userName": "owner", "password": "password1"})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        assert blocked.json()["code"] == "too_many_requests"
        same_name = await other.post("/api/auth/login", json={"userName": "owner", "password": "password1"})
        assert same_name.status_code == 429  # the name is limited too, from any address
        fine = await other.post("/api/auth/login", json={"userName": "second", "password": "password1"})
        assert fine.status_code == 200


async def test_invalid_api_keys_get_429_after_a_burst(db_url):
    api = create_api()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api, client=("10.0.0.9", 1)),
                                 base_url="http://test") as client:
        codes = [(await client.get("/api/api-keys", headers={"Authorization": f"Bearer wfb_guess{i}"})).status_code
                 for i in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429


async def test_oversized_headers_get_431(client):
    r = await client.get("/api/api-keys", headers={"X-Big": "x" * 20000})
    assert r.status_code == 431 and r.json()["code"] == "headers_too_large"


async def test_deeply_nested_json_gets_400(client):
    deep = "[" * 100 + "]" * 100
    r = await client.post("/api/auth/login", content=f'{{"a": {deep}}}'.encode(),
                          headers={"content-type": "application/json"})
    assert r.status_code == 400 and "nested" in r.json()["error"]
