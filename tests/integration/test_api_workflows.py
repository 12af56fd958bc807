"""Workflow, execution and webhook routes through the real FastAPI app (httpx ASGI transport)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import adrain, chain, document, edge, make_user, node
from wayvo_app.api.app import create_api
from wayvo_app.demo_workflows import ORDER_APPROVAL, WEBHOOK_ROUTER
from wayvo_app.services import accounts, api_keys
from wayvo_app.settings import get_settings
from wayvo_app.store import db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def api(db_url):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _auth(user_name: str) -> dict:
    make_user(user_name)
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


async def test_create_read_update_publish_and_execute(api):
    headers = _auth("owner")
    doc = chain("Condition", name="Check")
    doc["nodes"][1]["data"]["config"]["condition"] = "{{Trigger.n}} > 1"
    created = await api.post("/api/workflows", json=doc, headers=headers)
    assert created.status_code == 200 and created.json()["version"] is None
    wf = created.json()["id"]
    read = (await api.get(f"/api/workflows/{wf}", headers=headers)).json()
    assert read["id"] == wf and read["nodes"][1]["data"]["label"] == "Step 1" and read["createdAt"]
    doc["name"] = "Check v2"
    assert (await api.put(f"/api/workflows/{wf}", json=doc, headers=headers)).status_code == 200
    published = await api.post(f"/api/workflows/{wf}/publish", headers=headers)
    assert published.json() == {"id": wf, "version": 1}
    run = await api.post(f"/api/workflow/{wf}/execute", json={"input": {"n": 5}}, headers=headers)
    assert run.status_code == 200 and run.json()["status"] == "running"
    execution_id = run.json()["executionId"]
    await adrain()
    status = (await api.get(f"/api/workflows/executions/{execution_id}/status", headers=headers)).json()
    assert status == {"status": "success", "nodeStatuses": [
        {"nodeId": "t", "status": "success", "attempt": 1}, {"nodeId": "n1", "status": "success", "attempt": 1}]}
    details = (await api.get(f"/api/workflows/executions/{execution_id}", headers=headers)).json()
    assert details["output"] == {"result": True} and details["input"] == {"n": 5}
    assert [s["label"] for s in details["steps"]] == ["Trigger", "Step 1"]
    assert details["steps"][1]["durationMs"] is not None


async def test_bad_documents_are_rejected_with_messages_naming_the_node(api):
    headers = _auth("owner")
    nodes = [node("t", "Trigger"), node("a", "Send", "HTTP Request"),
             node("b", "Send", "Nope"), node("c", "Wait", "Sleep", duration="soon")]
    edges = [edge("t", "a"), edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("a", "zz")]
    r = await api.post("/api/workflows", json=document(nodes, edges), headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "invalid_workflow"
    text = " | ".join(p["message"] for p in r.json()["problems"])
    for expected in ['Unknown action type "Nope"', "endpoint", "cycle", "zz", "Invalid duration 'soon'",
                     'Send']:
        assert expected in text, (expected, text)
    no_trigger = await api.post("/api/workflows", json=document([node("a", "A", "Sleep", duration="1s")], []),
                                headers=headers)
    assert "exactly one trigger" in no_trigger.json()["error"]
    upstream = chain("Condition", "Condition")
    upstream["nodes"][1]["data"]["config"]["condition"] = "{{Step 2.result}}"
    upstream["nodes"][2]["data"]["config"]["condition"] = "true"
    r = await api.post("/api/workflows", json=upstream, headers=headers)
    assert "not an upstream node" in r.json()["error"]


async def test_other_users_objects_are_not_found(api):
    owner, other = _auth("owner"), _auth("mallory")
    wf = (await api.post("/api/workflows", json=ORDER_APPROVAL, headers=owner)).json()["id"]
    for method, path in [("get", f"/api/workflows/{wf}"), ("post", f"/api/workflows/{wf}/publish"),
                         ("post", f"/api/workflow/{wf}/execute")]:
        r = await getattr(api, method)(path, headers=other)
        assert r.status_code == 404 and r.json()["error"] == "Workflow not found"
    run = await api.post(f"/api/workflow/{wf}/execute", json={"input": {"orderId": 1, "amount": 5}}, headers=owner)
    execution_id = run.json()["executionId"]
    for path in (f"/api/workflows/executions/{execution_id}", f"/api/workflows/executions/{execution_id}/status"):
        assert (await api.get(path, headers=other)).status_code == 404
    assert (await api.post(f"/api/workflows/executions/{execution_id}/cancel", headers=other)).status_code == 404


async def test_cancel_and_retry_routes(api):
    headers = _auth("owner")
    wf = (await api.post("/api/workflows", json=ORDER_APPROVAL, headers=headers)).json()["id"]
    make_user("alice")
    make_user("bob")
    run = await api.post(f"/api/workflow/{wf}/execute", json={"input": {"orderId": 1, "amount": 5, "customerEmail": "c@example.com"}}, headers=headers)
    execution_id = run.json()["executionId"]
    await adrain()
    cancelled = await api.post(f"/api/workflows/executions/{execution_id}/cancel", headers=headers)
    assert cancelled.json() == {"id": execution_id, "status": "cancelled"}
    again = await api.post(f"/api/workflows/executions/{execution_id}/cancel", headers=headers)
    assert again.status_code == 409
    retried = await api.post(f"/api/workflows/executions/{execution_id}/retry", json={"from": "failed"},
                             headers=headers)
    assert retried.status_code == 200 and retried.json()["retryOf"] == execution_id
    bad = await api.post(f"/api/workflows/executions/{execution_id}/retry", json={"from": "middle"},
                         headers=headers)
    assert bad.status_code == 400


async def test_webhook_needs_an_api_key_and_a_webhook_trigger(api):
    headers = _auth("owner")
    hook = (await api.post("/api/workflows", json=WEBHOOK_ROUTER, headers=headers)).json()["id"]
    manual = (await api.post("/api/workflows", json=chain("Condition", name="m") | {
        "nodes": [node("t", "Trigger"), node("c", "C", "Condition", condition="true")],
        "edges": [edge("t", "c")]}, headers=headers)).json()["id"]
    with db.session() as s:
        key = api_keys.create_api_key(s, accounts.find_user(s, "owner").id, "CI").key
    key_headers = {"Authorization": f"Bearer {key}"}
    r = await api.post(f"/api/workflows/{hook}/webhook", json={"orderId": "W1", "amount": 10}, headers=key_headers)
    assert r.status_code == 200 and r.json()["status"] == "running"
    assert (await api.post(f"/api/workflows/{hook}/webhook", json={}, headers=headers)).status_code == 401
    wrong = await api.post(f"/api/workflows/{manual}/webhook", json={}, headers=key_headers)
    assert wrong.status_code == 400 and "Webhook" in wrong.json()["error"]


async def test_execute_input_must_be_an_object(api):
    headers = _auth("owner")
    wf = (await api.post("/api/workflows", json=ORDER_APPROVAL, headers=headers)).json()["id"]
    r = await api.post(f"/api/workflow/{wf}/execute", json={"input": [1, 2]}, headers=headers)
    assert r.status_code == 400 and set(r.json()) == {"error", "code"}


def test_cli_import_export_round_trip(db_url, tmp_path):
    make_user("owner")
    source = tmp_path / "order.json"
    source.write_text(json.dumps(ORDER_APPROVAL))
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "WAYVO_SECRET_KEY": "x"}
    imported = subprocess.run([sys.executable, "-m", "wayvo_app.cli", "workflows", "import", str(source),
                               "--owner", "owner"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    workflow_id = imported.stdout.strip()
    exported = subprocess.run([sys.executable, "-m", "wayvo_app.cli", "workflows", "export", workflow_id],
                              cwd=ROOT, env=env, capture_output=True, text=True)
    doc = json.loads(exported.stdout)
    assert doc["id"] == workflow_id and doc["name"] == "Order approval"
    assert [n["id"] for n in doc["nodes"]] == [n["id"] for n in ORDER_APPROVAL["nodes"]]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"name": "x", "nodes": [], "edges": []}))
    failed = subprocess.run([sys.executable, "-m", "wayvo_app.cli", "workflows", "import", str(broken),
                             "--owner", "owner"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert failed.returncode == 1 and "exactly one trigger" in failed.stderr
