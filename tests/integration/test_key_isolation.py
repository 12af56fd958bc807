"""An API key acts only in its own workspace (contract §7): its creator administers two workspaces,
and a key of one never reads or acts on the other's workflows, executions, approvals, integrations,
keys or waits, over HTTP on SQLite and PostgreSQL; the creator's session token reaches both."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import httpx
import pytest

from tests.helpers import adrain, document, edge, make_user, node
from tests.support.team_world import ALL_SCOPES, SMS, wait_doc
from wayvo_app import routes
from wayvo_app.api.app import create_api
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import accounts, api_keys, integrations, workflows
from wayvo_app.services.executions import cancel_execution, trigger_workflow
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import ApprovalRequest, Execution

X, A = routes.API_EXECUTIONS, routes.API_APPROVALS


def _approval_doc() -> dict:
    nodes = [node("t", "Trigger"), node("a", "Approve", "Request Approval", title="B approval", approvers="bob",
                                        approvalType="single")]
    return document(nodes, [edge("t", "a")], "Approvals")


def _side(bob: str, name: str) -> SimpleNamespace:
    """A workspace of bob's with a workflow, a finished and a waiting execution, an approval request
    bob may decide, an integration and a key."""
    with db.session() as s:
        ws = store_workspaces.create_workspace(s, name, bob).id
        wf = workflows.create_workflow(s, bob, wait_doc(), workspace_id=ws)
        workflows.publish_workflow(s, wf.id, bob)
        approval_wf = workflows.create_workflow(s, bob, _approval_doc(), workspace_id=ws)
        workflows.publish_workflow(s, approval_wf.id, bob)
        integration = integrations.create_integration(s, bob, type="t", name="i", config={}, known={"t": SMS},
                                                      workspace_id=ws).id
        key = api_keys.create_api_key(s, bob, f"{name} key", workspace_id=ws, scopes=ALL_SCOPES)
    finished = trigger_workflow(workflow_id=wf.id, user_name="bob", input={"k": "f"}).execution_id
    cancel_execution(finished, bob)
    event_key = f"{name}-{uuid.uuid4().hex[:6]}"
    waiting = trigger_workflow(workflow_id=wf.id, user_name="bob", input={"k": event_key}).execution_id
    trigger_workflow(workflow_id=approval_wf.id, user_name="bob", input={})
    return SimpleNamespace(ws=ws, wf=wf.id, integration=integration, key_id=key.row.id,
                           headers={"Authorization": f"Bearer {key.key}"}, finished=finished, waiting=waiting,
                           event_key=event_key)


@pytest.fixture
async def world(db_url):
    set_registry(default_registry())
    bob = make_user("bob", roles=())
    a, b = _side(bob, "A"), _side(bob, "B")
    await adrain()
    with db.read_session() as s:
        for side in (a, b):
            side.approval = s.exec(ApprovalRequest.__table__.select()
                                   .where(ApprovalRequest.workspace_id == side.ws)).first().id
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, "bob"), get_settings().secret_key)
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
        yield SimpleNamespace(api=client, a=a, b=b, session={"Authorization": f"Bearer {token}"})
    set_registry(None)


def _object_routes(b: SimpleNamespace) -> list[tuple[str, str, dict | None]]:
    """Every route that names one of workspace B's objects."""
    w = routes.API_WORKFLOWS
    return [("GET", f"{w}/{b.wf}", None), ("PUT", f"{w}/{b.wf}", wait_doc()), ("POST", f"{w}/{b.wf}/publish", None),
            ("POST", routes.execute(b.wf), {"input": {"k": "z"}}), ("POST", routes.webhook(b.wf), {}),
            ("GET", f"{X}/{b.finished}/status", None), ("GET", f"{X}/{b.finished}", None),
            ("GET", f"{X}/{b.finished}/events", None), ("POST", f"{X}/{b.finished}/retry", {"from": "start"}),
            ("POST", f"{X}/{b.waiting}/cancel", None),
            ("GET", f"{A}/{b.approval}", None), ("POST", f"{A}/{b.approval}/decide", {"decision": "rejected"}),
            ("DELETE", f"{routes.API_INTEGRATIONS}/{b.integration}", None),
            ("POST", routes.API_WORKFLOWS, {**wait_doc(), "workspaceId": b.ws}),
            ("POST", routes.API_INTEGRATIONS, {"type": "t", "name": "x", "workspaceId": b.ws}),
            ("GET", f"{routes.API_INTEGRATIONS}?workspaceId={b.ws}", None),
            ("GET", f"{A}?workspaceId={b.ws}", None), ("GET", f"{routes.API_KEYS}?workspaceId={b.ws}", None),
            ("GET", f"{routes.API_WORKSPACES}/{b.ws}/members", None),
            ("PATCH", f"{routes.API_WORKSPACES}/{b.ws}", {"name": "Renamed"})]


def _status(execution_id: str) -> str:
    with db.read_session() as s:
        return s.get(Execution, execution_id).status


async def test_a_key_never_reads_or_acts_outside_its_workspace(world):
    api, a, b = world.api, world.a, world.b
    for method, url, body in _object_routes(b):
        r = await api.request(method, url, json=body, headers=a.headers)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
    assert _status(b.waiting) == "paused"  # the cancel never reached it
    for url, mine, theirs in [(routes.API_INTEGRATIONS, a.integration, b.integration), (A, a.approval, b.approval),
                              (routes.API_KEYS, a.key_id, b.key_id)]:
        listed = (await api.get(url, headers=a.headers)).text
        assert mine in listed and theirs not in listed, url
    # A signal with A's key reaches only A's waits: B's waiting execution stays paused.
    r = await api.post(routes.API_SIGNAL, json={"eventNamespace": "n", "eventKey": b.event_key, "payload": {}},
                       headers=a.headers)
    assert r.status_code == 404 and _status(b.waiting) == "paused"
    r = await api.post(routes.API_SIGNAL, json={"eventNamespace": "n", "eventKey": a.event_key, "payload": {}},
                       headers=a.headers)
    assert r.status_code == 200, r.text
    # In its own workspace the key works, and what it creates lands there.
    assert (await api.get(f"{X}/{a.finished}", headers=a.headers)).status_code == 200
    assert (await api.post(routes.execute(a.wf), json={"input": {"k": "q"}}, headers=a.headers)).status_code == 200
    created = await api.post(routes.API_WORKFLOWS, json=wait_doc(), headers=a.headers)
    assert created.status_code == 200, created.text
    made = await api.post(routes.API_INTEGRATIONS, json={"type": "sms-none", "name": "x"}, headers=a.headers)
    assert made.status_code == 400  # past the workspace check: the type is unknown
    with db.read_session() as s:
        assert s.get(workflows.Workflow, created.json()["id"]).workspace_id == a.ws


async def test_the_creators_session_reaches_both_workspaces(world):
    api, a, b = world.api, world.a, world.b
    for side in (a, b):
        assert (await api.get(f"{X}/{side.finished}", headers=world.session)).status_code == 200
        assert (await api.get(f"{A}/{side.approval}", headers=world.session)).status_code == 200
    listed = (await api.get(routes.API_INTEGRATIONS, headers=world.session)).text
    assert a.integration in listed and b.integration in listed
    only_b = (await api.get(f"{routes.API_INTEGRATIONS}?workspaceId={b.ws}", headers=world.session)).text
    assert b.integration in only_b and a.integration not in only_b
    only_b = (await api.get(f"{A}?workspaceId={b.ws}", headers=world.session)).json()
    assert [r["id"] for r in only_b] == [b.approval]
    r = await api.post(routes.API_WORKFLOWS, json={**wait_doc(), "workspaceId": b.ws}, headers=world.session)
    with db.read_session() as s:
        assert s.get(workflows.Workflow, r.json()["id"]).workspace_id == b.ws
    r = await api.post(f"{X}/{b.waiting}/cancel", headers=world.session)
    assert r.status_code == 200 and _status(b.waiting) == "cancelled"


async def test_the_viewers_change_markers_are_read_only_for_who_may_see(world):
    from wayvo_app.services.execution_lists import revisions

    a, b = world.a, world.b
    bob = make_user("bob", roles=())
    outsider = make_user("outsider", roles=())
    key = SimpleNamespace(id=bob, workspace_id=a.ws)
    assert set(revisions([a.finished, b.finished], bob)) == {a.finished, b.finished}
    assert set(revisions([a.finished, b.finished], key)) == {a.finished}
    assert revisions([a.finished, b.finished], outsider) == {}
