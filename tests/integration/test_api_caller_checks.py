"""The caller's checks of the hot routes (trigger, approval decision, signal), which look the bearer
token up in one statement in the route's own thread hop (store/token_reads.py): nothing is cached,
so a revoked key, an ended session or a disabled user is refused by the very next request; the
errors keep their order (header, then token, then scope, then body); a key's coarse last-used
stamp is still written."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from tests.helpers import adrain, create_workflow, document, edge, make_user, node, session_headers
from wayvo_app.api.app import create_api
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import accounts, api_keys, failure_limits, user_admin
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import ApiKey, User, utcnow

SIGNAL = "/api/workflow/events/signal"


@pytest.fixture
async def api(db_url):
    """The app with the built-in nodes (Request Approval) and no failure counted yet."""
    set_registry(default_registry())
    failure_limits.reset_limits()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api()), base_url="http://test") as client:
        yield client
    set_registry(None)


_session = session_headers


def _key(user_id: str, scopes=("execute", "signal", "approve")) -> tuple[str, dict]:
    created = api_keys.new_api_key(user_id, "hot key", scopes=list(scopes))
    return created.row.id, {"Authorization": f"Bearer {created.key}"}


def _published(owner: str) -> str:
    doc = document([node("t", "Trigger"), node("c", "Check", "Condition", condition="{{Trigger.n}} > 1")],
                   [edge("t", "c")], "Hot")
    return create_workflow(owner, doc, publish=True)


def _approval(owner: str) -> str:
    doc = document([node("t", "Trigger"),
                    node("a", "Approve", "Request Approval", title="Hot", approvers="alice", approvalType="single")],
                   [edge("t", "a")], "Hot approval")
    return create_workflow(owner, doc, publish=True)


async def test_a_revoked_key_is_refused_by_the_next_trigger_and_signal(api):
    owner = make_user("owner")
    wf = _published(owner)
    key_id, key = _key(owner)
    first = await api.post(f"/api/workflow/{wf}/execute", json={"input": {"n": 2}}, headers=key)
    assert first.status_code == 200, first.text
    api_keys.revoke(owner, key_id)
    again = await api.post(f"/api/workflow/{wf}/execute", json={"input": {"n": 2}}, headers=key)
    assert again.status_code == 401
    assert again.json() == {"error": "Invalid or expired token", "code": "unauthorized"}
    signal = await api.post(SIGNAL, json={"eventNamespace": "a", "eventKey": "b"}, headers=key)
    assert signal.status_code == 401 and signal.json()["error"] == "Invalid or revoked API key"


async def test_disabling_a_user_refuses_their_session_and_keys_at_once(api):
    owner = make_user("owner")
    alice = make_user("alice", roles=("approver",))
    wf = _approval(owner)
    run = await api.post(f"/api/workflow/{wf}/execute", json={"input": {}}, headers=_session("owner"))
    assert run.status_code == 200, run.text
    await adrain()
    session = _session("alice")
    _, key = _key(alice)
    request_id = (await api.get("/api/workflow/approvals", headers=session)).json()[0]["id"]
    with db.session() as s:
        user_admin.set_disabled(s, accounts.find_user(s, "alice"), True)
    decided = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"},
                             headers=session)
    assert decided.status_code == 401 and decided.json()["code"] == "unauthorized"
    by_key = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"},
                            headers=key)
    assert by_key.status_code == 401
    with db.session() as s:
        user_admin.set_disabled(s, accounts.find_user(s, "alice"), False)
    decided = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"},
                             headers=_session("alice"))
    assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.text


async def test_an_ended_session_is_refused_by_the_next_decision(api):
    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    wf = _approval(owner)
    assert (await api.post(f"/api/workflow/{wf}/execute", json={}, headers=_session("owner"))).status_code == 200
    await adrain()
    session = _session("alice")
    request_id = (await api.get("/api/workflow/approvals", headers=session)).json()[0]["id"]
    accounts.sign_out(session["Authorization"].removeprefix("Bearer "))
    r = await api.post(f"/api/workflow/approvals/{request_id}/decide", json={"decision": "approved"}, headers=session)
    assert r.status_code == 401


async def test_trigger_errors_keep_their_order(api):
    owner = make_user("owner")
    wf = _published(owner)
    bad_body = {"version": "one"}
    url = f"/api/workflow/{wf}/execute"
    r = await api.post(url, json=bad_body)
    assert r.status_code == 401 and "Authorization header" in r.json()["error"]
    r = await api.post(url, json=bad_body, headers={"Authorization": "Bearer wfb_unknown"})
    assert r.status_code == 401 and r.json()["error"] == "Invalid or expired token"
    _, signal_only = _key(owner, scopes=("signal",))
    r = await api.post(url, json=bad_body, headers=signal_only)
    assert r.status_code == 403 and r.json()["error"] == "This API key lacks the 'execute' scope"
    _, key = _key(owner)
    r = await api.post(url, json=bad_body, headers=key)
    assert r.status_code == 400 and r.json()["error"] == "version must be an integer"
    r = await api.post(url, json={"input": [1]}, headers=key)
    assert r.status_code == 400 and r.json()["error"] == "input must be a JSON object"
    r = await api.post(f"/api/workflow/{wf}x/execute", json={}, headers=key)
    assert r.status_code == 404


async def test_decision_errors_keep_their_order(api):
    make_user("alice", roles=("approver",))
    url = "/api/workflow/approvals/nope/decide"
    r = await api.post(url, json={"decision": "maybe"}, headers={"Authorization": "Bearer not-a-session"})
    assert r.status_code == 401  # the caller first, as a dependency
    r = await api.post(url, json={"decision": "maybe"}, headers=_session("alice"))
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    r = await api.post(url, json={"decision": "approved"}, headers=_session("alice"))
    assert r.status_code == 404 and r.json()["error"] == "Approval request not found"


async def test_repeated_invalid_tokens_on_the_trigger_route_get_429(db_url):
    failure_limits.reset_limits()
    owner = make_user("owner")
    wf = _published(owner)
    transport = httpx.ASGITransport(app=create_api(), client=("10.0.0.21", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        codes = [(await client.post(f"/api/workflow/{wf}/execute", json={},
                                    headers={"Authorization": f"Bearer wfb_guess{i}"})).status_code
                 for i in range(31)]
    assert codes[:30] == [401] * 30 and codes[30] == 429


async def test_the_key_last_used_stamp_is_written_at_most_once_a_minute(api):
    owner = make_user("owner")
    wf = _published(owner)
    key_id, key = _key(owner)

    def stamp():
        with db.read_session() as s:
            return s.get(ApiKey, key_id).last_used_at

    assert stamp() is None
    assert (await api.post(f"/api/workflow/{wf}/execute", json={}, headers=key)).status_code == 200
    first = stamp()
    assert first is not None
    assert (await api.post(f"/api/workflow/{wf}/execute", json={}, headers=key)).status_code == 200
    assert stamp() == first  # not rewritten within the minute
    with db.session() as s:
        s.exec(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow() - timedelta(minutes=2)))
    assert (await api.post(f"/api/workflow/{wf}/execute", json={}, headers=key)).status_code == 200
    assert stamp() > first


def test_principal_in_reads_keys_and_sessions_like_the_orm_lookups(db_url):
    secret = get_settings().secret_key
    owner = make_user("owner", roles=("admin", "approver"))
    _, key = _key(owner, scopes=("approve",))
    token = _session("owner")["Authorization"].removeprefix("Bearer ")
    with db.statements() as conn:
        by_key = accounts.principal_in(conn, key["Authorization"].removeprefix("Bearer "), secret)
        by_session = accounts.principal_in(conn, token, secret)
        assert accounts.principal_in(conn, token, "another-secret") is None
        assert accounts.principal_in(conn, token + "x", secret) is None
        assert accounts.principal_in(conn, token, secret, now=utcnow() + timedelta(days=15)) is None
    assert by_session == accounts.principal_for_token(token, secret)
    assert (by_key.user_name, by_key.roles, by_key.via_api_key, by_key.scopes) == (
        "owner", ("admin", "approver"), "hot key", ("approve",))
    assert by_key.workspace_id and by_session.scopes is None and by_session.workspace_id is None
    with db.session() as s:  # disabled without ending the sessions: the lookup itself refuses the user
        s.exec(update(User).where(User.id == owner).values(disabled=True))
    with db.statements() as conn:
        assert accounts.principal_in(conn, token, secret) is None
        assert accounts.principal_in(conn, key["Authorization"].removeprefix("Bearer "), secret) is None
