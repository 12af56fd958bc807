"""GET /metrics on a real server: the numbers move as executions start and finish, steps run,
leases are recovered, signals arrive and approvals and e-mails wait; the token guards the route;
several processes add up under PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from tests.helpers import adrain, create_workflow, document, edge, make_user, node
from tests.support.loopback import serve_api
from wayvo_app.core.errors import NoWaitingEventError
from wayvo_app.core.times import utcnow
from wayvo_app.engine.recovery import recover_expired
from wayvo_app.services import executions as commands
from wayvo_app.services import metrics as metrics_service
from wayvo_app.services import signals
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store.models import ExecutionStep

TOKEN = "metrics-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def base_url(db_url, monkeypatch):
    monkeypatch.setenv("WAYVO_METRICS_TOKEN", TOKEN)
    reset_settings()
    with serve_api() as url:
        yield url


def values(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def _scrape(client: httpx.AsyncClient) -> dict:
    r = await client.get("/metrics", headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return values(r.text)


def _doc() -> dict:
    return document([node("t", "Trigger"), node("m", "Mail", "Send Email", to="ann@example.com", subject="Hi",
                                                 body="Hello"),
                     node("a", "Approve", "Request Approval", title="OK?", approvers="alice", expiresIn="1h")],
                    [edge("t", "m"), edge("m", "a")], "Metered")


async def test_the_numbers_change_as_work_happens(base_url):
    owner_id = make_user("owner")
    make_user("alice")
    wf = create_workflow(owner_id, _doc(), publish=True)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        before = await _scrape(client)
        first = commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id
        queued = await _scrape(client)
        assert value(queued, "wayvo_executions_started_total", workflow_id=wf, trigger="Manual") == \
            value(before, "wayvo_executions_started_total", workflow_id=wf, trigger="Manual") + 1
        assert value(queued, "wayvo_steps_due_unclaimed") == 1
        assert value(queued, "wayvo_steps_due_oldest_age_seconds") >= 0
        assert value(queued, "wayvo_executions_open", status="running") == 1
        await adrain()
        paused = await _scrape(client)
        assert value(paused, "wayvo_steps_due_unclaimed") == 0
        assert value(paused, "wayvo_executions_open", status="paused") == 1
        assert value(paused, "wayvo_approvals_pending") == 1 and value(paused, "wayvo_approvals_overdue") == 0
        assert value(paused, "wayvo_outbox_backlog") >= 1  # no SMTP server: the e-mail waits
        mail_runs = "wayvo_step_duration_seconds_count"
        assert value(paused, mail_runs, node_type="Send Email") == value(before, mail_runs, node_type="Send Email") + 1
        commands.cancel_execution(first, owner_id)
        done = await _scrape(client)
        assert value(done, "wayvo_executions_finished_total", workflow_id=wf, status="cancelled") == \
            value(before, "wayvo_executions_finished_total", workflow_id=wf, status="cancelled") + 1
        assert value(done, "wayvo_approvals_pending") == 0
    later = values(metrics_service.scrape(now=utcnow() + timedelta(hours=2)).decode())
    assert value(later, "wayvo_outbox_oldest_age_seconds") >= 7200


async def test_success_leases_and_signals_are_counted(base_url):
    owner_id = make_user("owner")
    quick = create_workflow(owner_id, document([node("t", "Trigger"), node("c", "Check", "Condition",
                                                                          condition="true")], [edge("t", "c")]))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        before = await _scrape(client)
        lost = commands.trigger_workflow(workflow_id=quick, user_name="owner").execution_id
        with db.session() as s:  # a worker took the step and died: its lease ran out
            s.exec(update(ExecutionStep).where(ExecutionStep.execution_id == lost, ExecutionStep.status == "pending")
                   .values(status="running", lease_owner="dead-worker", lease_expires_at=utcnow() - timedelta(minutes=1)))
        assert recover_expired(utcnow()) == 1
        await adrain()
        with pytest.raises(NoWaitingEventError):
            signals.signal_event(event_namespace="orders", event_key="1", user_name="owner")
        signals.signal_event(event_namespace="orders", event_key="2", user_name="owner", buffer_for="1h")
        after = await _scrape(client)
    assert value(after, "wayvo_leases_recovered_total") == value(before, "wayvo_leases_recovered_total") + 1
    assert value(after, "wayvo_executions_finished_total", workflow_id=quick, status="success") == 1
    for outcome in ("refused", "buffered"):
        assert value(after, "wayvo_signals_total", outcome=outcome) == \
            value(before, "wayvo_signals_total", outcome=outcome) + 1
    assert value(after, "wayvo_signals_total", outcome="received") == \
        value(before, "wayvo_signals_total", outcome="received")


async def test_the_token_guards_the_route(db_url, monkeypatch):
    monkeypatch.delenv("WAYVO_METRICS_TOKEN", raising=False)
    reset_settings()
    with serve_api() as url:
        async with httpx.AsyncClient(base_url=url) as client:
            off = await client.get("/metrics", headers=AUTH)
    assert off.status_code == 404 and off.json() == {"error": "Not Found", "code": "not_found"}
    monkeypatch.setenv("WAYVO_METRICS_TOKEN", TOKEN)
    reset_settings()
    with serve_api() as url:
        async with httpx.AsyncClient(base_url=url) as client:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
                refused = await client.get("/metrics", headers=headers)
                assert refused.status_code == 401
                assert refused.json() == {"error": "GET /metrics needs Authorization: Bearer <WAYVO_METRICS_TOKEN>",
                                          "code": "unauthorized"}
            spec = (await client.get("/api/openapi.json")).json()
    assert spec["paths"]["/metrics"]["get"]["security"] == [{"metricsToken": []}]
    assert spec["paths"]["/api/hooks/{token}"]["post"]["security"] == []


def _python(code: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_several_processes_add_up_in_multiprocess_mode(db_url, tmp_path):
    shared = tmp_path / "prometheus"  # its own directory: the collector reads every *.db file in it
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "PYTHONPATH": os.getcwd()}
    bump = "from wayvo_app.engine import metrics; metrics.LEASES_RECOVERED.inc(2); metrics.SIGNALS.labels('refused').inc()"
    _python(bump, env)  # an engine worker
    _python(bump, env)  # another one
    text = _python("import sys; from wayvo_app.services.metrics import scrape; sys.stdout.write(scrape().decode())", env)
    samples = values(text)
    assert value(samples, "wayvo_leases_recovered_total") == 4
    assert value(samples, "wayvo_signals_total", outcome="refused") == 2
    assert value(samples, "wayvo_steps_due_unclaimed") == 0  # the database gauges are there too


def test_the_grafana_dashboard_uses_only_metrics_that_exist(db_url):
    import json
    import re
    from pathlib import Path

    dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    def base(name: str) -> str:
        return re.sub(r"_(total|bucket|count|sum|created)$", "", name)

    used = {base(name) for e in exprs for name in re.findall(r"wayvo_\w+", e)}
    declared = {base(name) for name in re.findall(r"^# TYPE (wayvo_\w+) ", metrics_service.scrape().decode(), re.M)}
    assert used and used <= declared, used - declared
