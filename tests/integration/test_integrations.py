"""Integrations: encrypted at rest, key rotation, owner-only access, the reference check, and the
contract's routes (credentials never returned)."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from sqlalchemy import text

from wayvo_app.api.app import create_api
from wayvo_app.core.errors import (
    BadRequestError,
    CredentialsError,
    InvalidIntegrationReferencesError,
    NotFoundError,
)
from wayvo_app.plugins.client_plugins import integration_specs
from wayvo_app.services import accounts, integrations
from wayvo_app.services.credentials import decrypt_config, encrypt_config, reencrypt
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import Integration

SECRET = "sk-test-0123456789"


def _create(s, user_id, config=None, type="sms"):
    return integrations.create_integration(s, user_id, type=type, name="My SMS",
                                           config=config or {"apiKey": SECRET}, known=integration_specs())


@pytest.fixture
def users(db_url, sms_example):
    with db.session() as s:
        alice = accounts.create_user(s, "alice", "password1")
        bob = accounts.create_user(s, "bob", "password2")
        return alice.id, bob.id


def test_config_is_encrypted_at_rest_and_readable_by_its_owner(users):
    alice, _ = users
    with db.session() as s:
        row_id = _create(s, alice, {"apiKey": SECRET, "baseUrl": "http://127.0.0.1:9"}).id
    with db.read_session() as s:
        stored = s.exec(text("SELECT config_encrypted FROM integrations")).scalar_one()
        assert SECRET not in stored and "apiKey" not in stored
        assert integrations.credentials_for(s, row_id, alice) == {"apiKey": SECRET,
                                                                  "baseUrl": "http://127.0.0.1:9"}


def test_someone_elses_integration_is_not_found(users):
    alice, bob = users
    with db.session() as s:
        row_id = _create(s, alice).id
    with db.session() as s:
        with pytest.raises(NotFoundError, match="Integration not found"):
            integrations.credentials_for(s, row_id, bob)
        with pytest.raises(NotFoundError):
            integrations.delete_integration(s, bob, row_id)
    with db.read_session() as s:
        assert [r.id for r in integrations.list_integrations(s, alice)] == [row_id]
        assert integrations.list_integrations(s, bob) == []


@pytest.mark.parametrize("type,config,message", [
    ("mail", {"apiKey": "x"}, 'Unknown integration type "mail"'),
    ("sms", {}, 'needs "API Key" \\(apiKey\\)'),
    ("sms", {"apiKey": "k", "token": "t"}, 'has no field "token"'),
    ("sms", {"apiKey": "k", "baseUrl": "ftp://x"}, "must be an http\\(s\\) URL"),
    ("sms", {"apiKey": 5}, '"API Key" must be text'),
])
def test_configs_are_checked_against_the_form_fields(users, type, config, message):
    with db.session() as s, pytest.raises(BadRequestError, match=message):
        integrations.create_integration(s, users[0], type=type, name="x", config=config,
                                        known=integration_specs())


def test_rotation_reads_with_the_old_key_and_reencrypts_with_the_new(users):
    alice, _ = users
    old = get_settings()
    with db.session() as s:
        row_id = _create(s, alice).id
    new_only = dataclasses.replace(old, secret_key="a-brand-new-secret-key", old_secret_keys=())
    rotated = dataclasses.replace(new_only, old_secret_keys=(old.secret_key,))
    with db.session() as s:
        with pytest.raises(CredentialsError, match="WAYVO_OLD_SECRET_KEYS"):
            integrations.credentials_for(s, row_id, alice, new_only)
        assert integrations.credentials_for(s, row_id, alice, rotated) == {"apiKey": SECRET}
        assert integrations.reencrypt_integrations(s, rotated) == 1
    with db.read_session() as s:
        assert integrations.credentials_for(s, row_id, alice, new_only) == {"apiKey": SECRET}


def test_encrypt_decrypt_round_trip_and_reencrypt(db_url):
    settings = get_settings()
    token = encrypt_config({"apiKey": SECRET}, settings)
    assert decrypt_config(token, settings) == {"apiKey": SECRET}
    assert encrypt_config({"apiKey": SECRET}, settings) != token  # fresh IV every time
    assert decrypt_config(reencrypt(token, settings), settings) == {"apiKey": SECRET}


def _document(integration_id, action_type="sms/send"):
    return {"nodes": [
        {"id": "t1", "type": "trigger", "data": {"label": "Trigger", "type": "trigger",
                                                   "config": {"triggerType": "Manual"}}},
        {"id": "a1", "type": "action", "data": {"label": "Text", "type": "action", "config": {
            "actionType": action_type, "integrationId": integration_id, "phoneNumber": "+1", "message": "hi"}}},
    ], "edges": [{"id": "e1", "source": "t1", "target": "a1"}]}


def test_check_integration_references(users):
    alice, bob = users
    with db.session() as s:
        row_id = _create(s, alice).id
    with db.read_session() as s:
        integrations.check_integration_references(s, _document(row_id), alice)
        integrations.check_integration_references(s, {"nodes": []}, bob)
        for document, user in [(_document(row_id), bob), (_document("no-such-id"), alice),
                               (_document(row_id, "mail/send"), alice)]:
            with pytest.raises(InvalidIntegrationReferencesError) as caught:
                integrations.check_integration_references(s, document, user)
            assert str(caught.value) == "Workflow contains invalid integration references"


@pytest.fixture
async def client(users):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _headers(client, user_name, password) -> dict:
    r = await client.post("/api/auth/login", json={"userName": user_name, "password": password})
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def test_routes_create_list_delete_never_return_the_config(client):
    alice = await _headers(client, "alice", "password1")
    r = await client.post("/api/integrations", headers=alice,
                          json={"type": "sms", "name": "Twilio", "config": {"apiKey": SECRET}})
    assert r.status_code == 200, r.text
    created = r.json()
    assert set(created) == {"id", "type", "name", "createdAt"} and created["type"] == "sms"
    listed = (await client.get("/api/integrations", headers=alice)).json()
    assert listed == [created] and SECRET not in str(listed)
    assert (await client.get("/api/integrations?type=mail", headers=alice)).json() == []
    r = await client.delete(f"/api/integrations/{created['id']}", headers=alice)
    assert r.status_code == 200
    assert (await client.get("/api/integrations", headers=alice)).json() == []
    with db.read_session() as s:
        assert s.exec(text("SELECT count(*) FROM integrations")).scalar_one() == 0


async def test_routes_refuse_bad_configs_and_others_integrations(client):
    alice = await _headers(client, "alice", "password1")
    bob = await _headers(client, "bob", "password2")
    r = await client.post("/api/integrations", headers=alice, json={"type": "sms", "name": "x", "config": {}})
    assert r.status_code == 400 and r.json()["code"] == "bad_request" and "API Key" in r.json()["error"]
    created = (await client.post("/api/integrations", headers=alice,
                                 json={"type": "sms", "name": "x", "config": {"apiKey": SECRET}})).json()
    r = await client.delete(f"/api/integrations/{created['id']}", headers=bob)
    assert r.status_code == 404 and r.json() == {"error": "Integration not found", "code": "not_found"}
    assert (await client.get("/api/integrations", headers=bob)).json() == []
    assert (await client.get("/api/integrations")).status_code == 401
    with db.read_session() as s:
        assert s.get(Integration, created["id"]) is not None
