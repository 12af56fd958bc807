"""Clear answers instead of 500 at the API (issue 16): Idempotency-Key length and replay on
execute, the node status vocabulary, trigger input schemas."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from tests.helpers import create_workflow, document, edge, make_user, node
from wayvo_app.api.app import create_api
from wayvo_app.services import accounts, api_keys
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import Execution


@pytest.fixture
async def api(db_url):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _token(user_name: str) -> dict:
    make_user(user_name)
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


def _key(user_id: str) -> dict:
    with db.session() as s:
        return {"Authorization": f"Bearer {api_keys.create_api_key(s, user_id, 'Signals').key}"}


def _doc(name: str = "Check") -> dict:
    return document([node("t", "Trigger"), node("c", "Check", "Condition", condition="true")], [edge("t", "c")],
                    name)


def _count() -> int:
    with db.read_session() as s:
        return s.exec(select(func.count()).select_from(Execution)).scalar()


async def test_an_idempotency_key_over_200_characters_is_a_400(api):
    headers = _token("owner")
    owner = make_user("owner")
    wf = create_workflow(owner, _doc())
    long_key = {"Idempotency-Key": "k" * 201}
    signal = await api.post("/api/workflow/events/signal", headers={**_key(owner), **long_key},
                            json={"eventNamespace": "payments", "eventKey": "o-1"})
    assert signal.status_code == 400 and "Idempotency-Key" in signal.json()["error"]
    again = await api.post("/api/workflow/events/signal", headers={**_key(owner), **long_key},
                           json={"eventNamespace": "payments", "eventKey": "o-1"})
    assert again.status_code == 400
    run = await api.post(f"/api/workflow/{wf}/execute", headers={**headers, **long_key}, json={})
    assert run.status_code == 400 and "Idempotency-Key" in run.json()["error"] and _count() == 0
    ok = await api.post("/api/workflow/events/signal", headers={**_key(owner), "Idempotency-Key": "k" * 200},
                        json={"eventNamespace": "payments", "eventKey": "o-1"})
    assert ok.status_code == 404  # no waiter: a normal answer, not a length error


async def test_a_repeated_idempotency_key_on_execute_returns_the_first_execution(api):
    headers = _token("owner")
    owner = make_user("owner")
    wf = create_workflow(owner, _doc())
    other = create_workflow(owner, _doc("Other"))
    keyed = {**headers, "Idempotency-Key": "order-42"}
    first = await api.post(f"/api/workflow/{wf}/execute", headers=keyed, json={"input": {"n": 1}})
    again = await api.post(f"/api/workflow/{wf}/execute", headers=keyed, json={"input": {"n": 1}})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and _count() == 1
    elsewhere = await api.post(f"/api/workflow/{other}/execute", headers=keyed, json={})
    assert elsewhere.status_code == 200 and elsewhere.json()["executionId"] != first.json()["executionId"]
    assert _count() == 2


async def test_execution_details_use_the_node_status_vocabulary(api):
    from tests.helpers import adrain

    headers = _token("owner")
    owner = make_user("owner")
    wf = create_workflow(owner, document([node("t", "Trigger"), node("z", "Nap", "Sleep", duration="1h")],
                                         [edge("t", "z")]))
    run = await api.post(f"/api/workflow/{wf}/execute", headers=headers, json={})
    await adrain()
    execution_id = run.json()["executionId"]
    status = (await api.get(f"/api/workflows/executions/{execution_id}/status", headers=headers)).json()
    details = (await api.get(f"/api/workflows/executions/{execution_id}", headers=headers)).json()
    nap = [step for step in details["steps"] if step["nodeId"] == "z"]
    assert status["status"] == details["status"] == "paused"
    assert {row["nodeId"]: row["status"] for row in status["nodeStatuses"]}["z"] == "paused"
    assert [step["status"] for step in nap] == ["paused"]
    vocabulary = {"idle", "running", "paused", "success", "error", "cancelled", "skipped"}
    assert {step["status"] for step in details["steps"]} <= vocabulary
    assert {row["status"] for row in details["nodeStatuses"]} <= vocabulary
    await api.post(f"/api/workflows/executions/{execution_id}/cancel", headers=headers)
    cancelled = (await api.get(f"/api/workflows/executions/{execution_id}", headers=headers)).json()
    assert [step["status"] for step in cancelled["steps"] if step["nodeId"] == "z"] == ["cancelled"]


SCHEMA = {"type": "object", "properties": {"orderId": {"type": "string"}, "amount": {"type": "number"},
                                           "vip": {"type": "boolean"}}, "required": ["orderId", "amount"]}


def _schema_doc(trigger_type: str = "Manual", name: str = "Orders") -> dict:
    import json

    return document([node("t", "Trigger", triggerType=trigger_type, inputSchema=json.dumps(SCHEMA)),
                     node("c", "Check", "Condition", condition="true")], [edge("t", "c")], name)


async def test_execute_and_webhook_check_the_input_against_the_trigger_schema(api):
    headers = _token("owner")
    owner = make_user("owner")
    wf = create_workflow(owner, _schema_doc())
    hook = create_workflow(owner, _schema_doc("Webhook", "Hook"))
    bad = await api.post(f"/api/workflow/{wf}/execute", headers=headers,
                         json={"input": {"amount": "ten", "vip": "yes"}})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    fields = {p["field"] for p in bad.json()["problems"]}
    assert fields == {"orderId", "amount", "vip"}
    assert all(p["message"].startswith(p["field"] + ":") for p in bad.json()["problems"])
    assert "orderId" in bad.json()["error"] and "amount" in bad.json()["error"] and "vip" in bad.json()["error"]
    hooked = await api.post(f"/api/workflows/{hook}/webhook", headers=_key(owner), json={"orderId": 7})
    assert hooked.status_code == 400 and {p["field"] for p in hooked.json()["problems"]} == {"orderId", "amount"}
    assert _count() == 0
    ok = await api.post(f"/api/workflow/{wf}/execute", headers=headers, json={"input": {"orderId": "A1", "amount": 5}})
    hooked = await api.post(f"/api/workflows/{hook}/webhook", headers=_key(owner), json={"orderId": "A", "amount": 1})
    assert ok.status_code == hooked.status_code == 200 and _count() == 2


def test_application_code_and_trigger_workflow_check_the_child_input(db_url):
    from tests.helpers import drain
    from wayvo_app.server import ValidationError
    from wayvo_app.services import executions as commands

    owner = make_user("owner")
    child = create_workflow(owner, _schema_doc(name="Child"))
    with pytest.raises(ValidationError) as caught:
        commands.trigger_workflow(workflow_id=child, user_name="owner", input={"orderId": "A1"})
    assert [p.field for p in caught.value.problems] == ["amount"]
    parent = create_workflow(owner, document(
        [node("t", "Trigger"), node("w", "Start", "Trigger Workflow", workflowId=child, input='{"amount": "x"}')],
        [edge("t", "w")], "Parent"))
    result = commands.trigger_workflow(workflow_id=parent, user_name="owner")
    drain()
    with db.read_session() as s:
        runs = s.exec(select(Execution)).scalars().all()
    assert [r.id for r in runs] == [result.execution_id] and runs[0].status == "error"
    assert "orderId: is required" in runs[0].error and "amount: 'x' is not of type 'number'" in runs[0].error
