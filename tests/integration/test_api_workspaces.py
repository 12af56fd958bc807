"""Workspace and member routes of contract §7, keys acting with their creator's current role, and the
CLI's workspace commands, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from click.testing import CliRunner

from tests.helpers import make_user
from wayvo_app import cli
from wayvo_app.api.app import create_api
from wayvo_app.services import accounts, api_keys, workspaces
from wayvo_app.settings import get_settings
from wayvo_app.store import db


@pytest.fixture
async def api(db_url):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _session(user_name: str) -> dict:
    make_user(user_name, roles=())
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


async def _team(api, admin: dict, name: str = "Ops") -> str:
    r = await api.post("/api/workspaces", json={"name": name}, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()["id"]


async def test_every_user_has_a_personal_workspace_and_creates_shared_ones(api):
    alice = _session("alice")
    mine = (await api.get("/api/workspaces", headers=alice)).json()
    assert [(w["personal"], w["role"]) for w in mine] == [(True, "admin")]
    team = await _team(api, alice, "Finance")
    listed = (await api.get("/api/workspaces", headers=alice)).json()
    assert {"id": team, "name": "Finance", "personal": False, "role": "admin"} in listed
    assert (await api.get("/api/workspaces", headers=_session("bob"))).json()[0]["id"] != team


async def test_admin_adds_changes_and_removes_members(api):
    alice, bob = _session("alice"), _session("bob")
    team = await _team(api, alice)
    r = await api.put(f"/api/workspaces/{team}/members/bob", json={"role": "member"}, headers=alice)
    assert r.status_code == 200 and r.json() == {"userName": "bob", "role": "member"}
    r = await api.put(f"/api/workspaces/{team}/members/Bob", json={"role": "operator"}, headers=alice)
    assert r.json() == {"userName": "bob", "role": "operator"}
    members = (await api.get(f"/api/workspaces/{team}/members", headers=bob)).json()
    assert members == [{"userName": "alice", "displayName": "alice", "role": "admin"},
                       {"userName": "bob", "displayName": "bob", "role": "operator"}]
    assert {"id": team, "name": "Ops", "personal": False, "role": "operator"} in \
        (await api.get("/api/workspaces", headers=bob)).json()
    r = await api.delete(f"/api/workspaces/{team}/members/bob", headers=alice)
    assert r.status_code == 200
    assert (await api.get(f"/api/workspaces/{team}/members", headers=bob)).status_code == 404


async def test_only_admins_change_members_and_outsiders_get_404(api):
    alice, bob, carol = _session("alice"), _session("bob"), _session("carol")
    team = await _team(api, alice)
    await api.put(f"/api/workspaces/{team}/members/bob", json={"role": "editor"}, headers=alice)
    r = await api.put(f"/api/workspaces/{team}/members/carol", json={"role": "member"}, headers=bob)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert (await api.delete(f"/api/workspaces/{team}/members/alice", headers=bob)).status_code == 403
    for method in ("GET", "PUT", "DELETE"):
        path = f"/api/workspaces/{team}/members" + ("" if method == "GET" else "/bob")
        r = await api.request(method, path, json={"role": "admin"}, headers=carol)
        assert r.status_code == 404 and r.json() == {"error": "Workspace not found", "code": "not_found"}
    r = await api.get("/api/workspaces/no-such-id/members", headers=alice)
    assert r.status_code == 404


async def test_the_last_admin_cannot_be_removed_or_demoted(api):
    alice = _session("alice")
    _session("bob")
    team = await _team(api, alice)
    for r in (await api.delete(f"/api/workspaces/{team}/members/alice", headers=alice),
              await api.put(f"/api/workspaces/{team}/members/alice", json={"role": "editor"}, headers=alice)):
        assert r.status_code == 409
        assert r.json() == {"error": "The last admin of a workspace cannot be removed", "code": "conflict"}
    await api.put(f"/api/workspaces/{team}/members/bob", json={"role": "admin"}, headers=alice)
    assert (await api.delete(f"/api/workspaces/{team}/members/alice", headers=alice)).status_code == 200
    assert [m["userName"] for m in workspaces.members_of(team, make_user("bob"))] == ["bob"]


@pytest.mark.parametrize("body,status", [({"role": "owner"}, 400), ({}, 400)])
async def test_bad_roles_and_unknown_users(api, body, status):
    alice = _session("alice")
    team = await _team(api, alice)
    assert (await api.put(f"/api/workspaces/{team}/members/alice", json=body, headers=alice)).status_code == status
    r = await api.put(f"/api/workspaces/{team}/members/nobody", json={"role": "member"}, headers=alice)
    assert r.status_code == 404 and "nobody" in r.json()["error"]


async def test_a_personal_workspace_takes_no_members(api):
    alice = _session("alice")
    _session("bob")
    personal = (await api.get("/api/workspaces", headers=alice)).json()[0]["id"]
    r = await api.put(f"/api/workspaces/{personal}/members/bob", json={"role": "member"}, headers=alice)
    assert r.status_code == 400 and "personal" in r.json()["error"]


async def test_a_key_sees_only_its_workspace_and_acts_with_its_creators_current_role(api):
    alice, bob = _session("alice"), _session("bob")
    _session("carol")
    team = await _team(api, alice)
    other = await _team(api, bob, "Other")
    await api.put(f"/api/workspaces/{team}/members/bob", json={"role": "admin"}, headers=alice)
    r = await api.post("/api/api-keys/create", json={"name": "ops", "workspaceId": team, "scopes": ["manage"]},
                       headers=bob)
    assert r.status_code == 200 and r.json()["workspaceId"] == team
    key = {"Authorization": f"Bearer {r.json()['key']}"}
    assert [w["id"] for w in (await api.get("/api/workspaces", headers=key)).json()] == [team]
    assert (await api.get(f"/api/workspaces/{other}/members", headers=key)).status_code == 404
    r = await api.put(f"/api/workspaces/{team}/members/carol", json={"role": "member"}, headers=key)
    assert r.status_code == 200
    # Alice demotes the key's creator: the key loses the admin's rights at once.
    await api.put(f"/api/workspaces/{team}/members/bob", json={"role": "editor"}, headers=alice)
    r = await api.put(f"/api/workspaces/{team}/members/carol", json={"role": "operator"}, headers=key)
    assert r.status_code == 403
    # Removed from the workspace, the key sees nothing there.
    await api.delete(f"/api/workspaces/{team}/members/bob", headers=alice)
    assert (await api.get(f"/api/workspaces/{team}/members", headers=key)).status_code == 404


async def test_keys_are_made_only_where_the_creator_may_manage_keys(api):
    alice, bob = _session("alice"), _session("bob")
    team = await _team(api, alice)
    await api.put(f"/api/workspaces/{team}/members/bob", json={"role": "operator"}, headers=alice)
    r = await api.post("/api/api-keys/create", json={"name": "k", "workspaceId": team}, headers=bob)
    assert r.status_code == 403 and "editor" in r.json()["error"]
    r = await api.post("/api/api-keys/create", json={"name": "k", "workspaceId": "nowhere"}, headers=bob)
    assert r.status_code == 404
    personal = (await api.post("/api/api-keys/create", json={"name": "mine"}, headers=bob)).json()
    assert personal["workspaceId"] == [w for w in workspaces.workspaces_of(make_user("bob")) if w["personal"]][0]["id"]
    listed = (await api.get(f"/api/api-keys?workspaceId={team}", headers=bob)).json()
    assert listed == []
    assert [k.name for k in api_keys.api_keys_of(make_user("bob"))] == ["mine"]


def test_cli_creates_a_workspace_and_adds_a_member(db_url):
    make_user("alice")
    make_user("bob")
    runner = CliRunner()
    created = runner.invoke(cli.main, ["workspaces", "create", "Finance", "--admin", "alice"])
    assert created.exit_code == 0, created.output
    added = runner.invoke(cli.main, ["workspaces", "add-member", "Finance", "bob", "--role", "operator"])
    assert added.exit_code == 0 and "bob is now operator" in added.output, added.output
    team = [w for w in workspaces.workspaces_of(make_user("bob")) if not w["personal"]][0]
    assert team["name"] == "Finance" and team["role"] == "operator"
    missing = runner.invoke(cli.main, ["workspaces", "add-member", "Finance", "nobody", "--role", "member"])
    assert missing.exit_code == 1 and "nobody" in missing.output
    bad = runner.invoke(cli.main, ["workspaces", "create", "X", "--admin", "ghost"])
    assert bad.exit_code == 1 and "ghost" in bad.output


async def test_a_keys_signal_reaches_only_the_waits_of_the_keys_workspace(api):
    from tests.integration.test_workspaces import _start, _status, team, team_workflow, wait_doc
    from wayvo_app.engine.registry import set_registry
    from wayvo_app.nodes import default_registry

    set_registry(default_registry())
    try:
        ws = team({"bob": "editor"})
        # The engine's drain runs its own event loop: in a thread, beside this test's loop.
        run = await asyncio.to_thread(_start, team_workflow(ws, wait_doc()), "lead")
        bob = make_user("bob")
        signal = {"eventNamespace": "orders", "eventKey": "order-1", "payload": {"paid": True}}
        personal = {"Authorization": f"Bearer {api_keys.new_api_key(bob, 'mine').key}"}
        r = await api.post("/api/workflow/events/signal", json=signal, headers=personal)
        assert r.status_code == 404 and _status(run) == "paused"
        team_key = {"Authorization": f"Bearer {api_keys.new_api_key(bob, 'team', workspace_id=ws).key}"}
        r = await api.post("/api/workflow/events/signal", json=signal, headers=team_key)
        assert r.status_code == 200 and r.json()["executionId"] == run
    finally:
        set_registry(None)
