"""The SSE route on a real server on loopback: a client that disconnects mid-run and resumes with
Last-Event-ID sees every event once, in order, ending with the final status; others get 404."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests.helpers import adrain, create_workflow, document, edge, make_user, node
from tests.support.loopback import serve_api
from wayvo_app.api import routes_stream
from wayvo_app.api.app import create_api
from wayvo_app.services import accounts
from wayvo_app.services.execution_lists import FINISHED
from wayvo_app.services.execution_views import status_of
from wayvo_app.settings import get_settings
from wayvo_app.store import db


@pytest.fixture
def base_url(db_url, monkeypatch):
    monkeypatch.setattr(routes_stream, "HEARTBEAT_SECONDS", 0.05)
    with serve_api() as url:
        yield url


def _auth(user_name: str) -> tuple[str, dict]:
    user_id = make_user(user_name)
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return user_id, {"Authorization": f"Bearer {token}"}


async def _read(client: httpx.AsyncClient, url: str, headers: dict, stop=None) -> tuple[list[dict], int]:
    """The events of one connection (until it ends, or `stop(event)` says to hang up) and the heartbeats."""
    events, beats, frame = [], 0, {}
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith(":"):
                beats += 1
            elif line.startswith(("id", "event", "data")):
                key, _, value = line.partition(": ")
                frame[key] = value
            elif not line and frame:
                event = {"id": frame["id"], "event": frame["event"], "data": json.loads(frame["data"])}
                events.append(event)
                frame = {}
                if stop is not None and stop(event):
                    break
    return events, beats


async def _run_engine(execution_id: str, user_id: str) -> None:
    while status_of(execution_id, user_id)["status"] not in FINISHED:
        await adrain()
        await asyncio.sleep(0.1)


async def test_disconnect_and_resume_sees_every_event_once(base_url):
    user_id, headers = _auth("owner")
    # The first Sleep is long enough for the stream to see it waiting on a loaded machine (a step's
    # row is read as it is now: with 1 s, a stream opened late saw it already finished, in CI).
    doc = document([node("t", "Trigger"), node("a", "Nap", "Sleep", duration="3s"),
                    node("m", "Mail", "Send Email", to="ann@example.com", subject="Hi", body="Hello"),
                    node("b", "Nap 2", "Sleep", duration="1s")],
                   [edge("t", "a"), edge("a", "m"), edge("m", "b")])
    wf = create_workflow(user_id, doc, publish=True)
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as client:
        run = await client.post(f"/api/workflow/{wf}/execute", json={"input": {}}, headers=headers)
        execution_id = run.json()["executionId"]
        url = f"/api/workflows/executions/{execution_id}/events"
        engine = asyncio.create_task(_run_engine(execution_id, user_id))
        # Hang up once the first Sleep is seen waiting: the rest of the run happens while disconnected.
        first, _ = await _read(client, url, headers, stop=lambda e: e["event"] == "step"
                               and e["data"]["nodeId"] == "a" and e["data"]["status"] == "waiting")
        assert engine.done() is False
        second, beats = await _read(client, url, {**headers, "Last-Event-ID": first[-1]["id"]})
        await engine
        everything, _ = await _read(client, url, headers)
    seen = first + second
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # in order, none twice
    assert {e["id"] for e in everything} <= set(ids)  # and none lost: every final row was delivered
    assert seen[-1]["event"] == "execution" and seen[-1]["data"]["status"] == "success"
    assert everything[-1] == seen[-1]
    transitions = [(e["data"]["nodeId"], e["data"]["status"]) for e in seen if e["event"] == "step"]
    assert ("a", "waiting") in transitions and ("a", "success") in transitions and ("b", "success") in transitions
    assert [e["data"]["message"] for e in seen if e["event"] == "log"] == ["Queued email to ann@example.com"]
    assert beats > 0  # the second Sleep passed in silence: heartbeats kept the connection alive
    resumed_after_end, _ = await _read(httpx.AsyncClient(base_url=base_url), url,
                                       {**headers, "Last-Event-ID": seen[-1]["id"]})
    assert resumed_after_end == []


async def test_a_user_who_may_not_see_the_execution_gets_404(base_url):
    owner_id, headers = _auth("owner")
    _, other = _auth("mallory")
    wf = create_workflow(owner_id, document([node("t", "Trigger")], []), publish=True)
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as client:
        run = await client.post(f"/api/workflow/{wf}/execute", json={"input": {}}, headers=headers)
        url = f"/api/workflows/executions/{run.json()['executionId']}/events"
        denied = await client.get(url, headers=other)
        assert denied.status_code == 404 and denied.json()["error"] == "Execution not found"
        assert (await client.get("/api/workflows/executions/nope/events", headers=headers)).status_code == 404


async def test_the_route_is_in_the_openapi_document(db_url):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api()), base_url="http://t") as c:
        spec = (await c.get("/api/openapi.json")).json()
    route = spec["paths"]["/api/workflows/executions/{execution_id}/events"]["get"]
    assert "text/event-stream" in route["responses"]["200"]["content"]
    assert route["security"] == [{"bearer": []}]
