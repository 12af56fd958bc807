"""GET /api/health: the database and the workers' heartbeats, 200/503, open, in the OpenAPI
document; a worker beats while it runs, forgets its row on a clean stop, and releases its leases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from tests.helpers import create_workflow, document, edge, make_user, node
from wayvo_app.api.app import create_api
from wayvo_app.core.times import utcnow
from wayvo_app.engine.recovery import recover_expired
from wayvo_app.runtime.presence import run_worker
from wayvo_app.runtime.worker import Worker
from wayvo_app.services import executions as commands
from wayvo_app.services import health
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store.models import ExecutionStep


@pytest.fixture
async def client(db_url):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_no_worker_is_503_and_a_fresh_heartbeat_is_200(client):
    r = await client.get("/api/health")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"
    assert r.json()["database"]["reachable"] is True and r.json()["workers"]["alive"] == 0
    assert r.json()["error"] == "No engine worker heartbeat in the last 15 s"
    assert r.json()["code"] == "service_unavailable"
    health.beat("host:1:a", "host", 1, inflight=2)
    r = await client.get("/api/health")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["status"] == "ok" and body["workers"]["alive"] == 1 and "error" not in body
    assert body["workers"]["items"][0]["inflight"] == 2 and "host" not in body["workers"]["items"][0]
    health.forget("host:1:a")
    assert (await client.get("/api/health")).status_code == 503


def test_a_stale_heartbeat_does_not_count(db_url):
    now = utcnow()
    health.beat("w-old", "h", 1, 0, now=now - timedelta(seconds=health.HEARTBEAT_SECONDS * 3 + 1))
    health.beat("w-new", "h", 2, 0, now=now - timedelta(seconds=1))
    report = health.health_report(now=now)
    assert report["workers"]["alive"] == 1 and report["status"] == "ok"
    assert health.health_report(now=now + timedelta(seconds=60))["status"] == "unavailable"


def test_an_unreachable_database_is_503_without_details(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    monkeypatch.setenv("WAYVO_SECRET_KEY", "test-secret-key-for-signing-and-encryption")
    reset_settings()

    async def call():
        transport = httpx.ASGITransport(app=create_api())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            return await c.get("/api/health")

    r = asyncio.run(call())
    reset_settings()
    assert r.status_code == 503
    assert r.json()["database"] == {"reachable": False, "error": "OperationalError"}
    assert r.json()["error"] == "The database is not reachable"
    assert "missing-dir" not in r.text


async def test_the_route_is_open_and_documented(client):
    spec = (await client.get("/api/openapi.json")).json()
    operation = spec["paths"]["/api/health"]["get"]
    assert operation["security"] == [] and {"200", "503"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["example"]["status"] == "ok"


async def test_a_running_worker_beats_and_forgets_its_row_on_a_clean_stop(db_url):
    worker = Worker(url=db_url, use_scheduler=False, poll_interval=0.05)
    task = asyncio.create_task(run_worker(worker, period=0.05))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if health.health_report(url=db_url, period=0.05)["workers"]["alive"] == 1:
            break
    assert health.health_report(url=db_url, period=0.05)["workers"]["alive"] == 1
    worker.stop()
    await asyncio.wait_for(task, timeout=20)
    assert health.health_report(url=db_url, period=60)["workers"]["alive"] == 0  # its row is gone


def test_released_leases_are_recovered_at_once(db_url):
    owner = make_user("alice", roles=())
    doc = document([node("t", "Trigger"), node("w", "Wait", "Sleep", duration="1s")], [edge("t", "w")])
    started = commands.trigger_workflow(workflow_id=create_workflow(owner, doc), user_name="alice", input={})
    now = utcnow()
    with db.session() as s:
        claimed = store.claim_due(s, "w-stopping", now, 10, timedelta(seconds=30))
    assert claimed
    assert recover_expired(now + timedelta(seconds=1)) == 0  # the lease still runs for 30 s
    with db.session() as s:
        assert store.release_leases(s, "w-stopping", now) == len(claimed)
    assert recover_expired(now + timedelta(seconds=1)) == len(claimed)
    with db.read_session() as s:
        rows = s.exec(ExecutionStep.__table__.select().where(
            ExecutionStep.execution_id == started.execution_id)).all()
    assert any(row.status == "pending" and row.attempt == 2 for row in rows)
