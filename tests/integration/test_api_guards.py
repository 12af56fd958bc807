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
