"""Retention on SQLite and PostgreSQL with rows in every table it touches: old finished executions
go with their steps, logs, waits, approvals and mail (a tombstone stays, so links say "deleted by
retention"), running and waiting ones stay, a workflow's own retention wins, old mail, expired
buffered signals and idempotency records go; in small batches that a later pass resumes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.helpers import adrain, create_workflow, document, drain, make_user, node
from wayvo_app.api.app import create_api
from wayvo_app.cli import main
from wayvo_app.core.errors import DeletedByRetentionError, NotFoundError
from wayvo_app.core.times import utcnow
from wayvo_app.runtime.housekeeping import Housekeeping
from wayvo_app.services import accounts
from wayvo_app.services.execution_lists import viewer_view
from wayvo_app.services.executions import trigger_workflow
from wayvo_app.services.retention import prune, set_workflow_retention
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.models import (
    ApprovalAudience,
    ApprovalDecision,
    ApprovalRequest,
    BufferedSignal,
    EmailMessage,
    Execution,
    ExecutionLog,
    ExecutionStep,
    IdempotencyRecord,
    PrunedExecution,
    WaitEvent,
)

NOW = utcnow()


def _days_ago(days: float):
    return NOW - timedelta(days=days)


def _run(workflow_id: str) -> str:
    execution_id = trigger_workflow(workflow_id=workflow_id, user_name="owner", input={}).execution_id
    drain()
    return execution_id


async def _arun(workflow_id: str) -> str:
    execution_id = trigger_workflow(workflow_id=workflow_id, user_name="owner", input={}).execution_id
    await adrain()
    return execution_id


def _age(execution_id: str, days: float | None, status: str = "success", logs: int = 2) -> None:
    """Moves the execution's end `days` back (None: not finished) and hangs one row of every kind
    off it: an approval request with a decision and its audience, a wait, mail, logs."""
    with db.session() as s:
        ex = s.get(Execution, execution_id)
        ex.status, ex.completed_at = status, (_days_ago(days) if days is not None else None)
        step = s.exec(select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)).scalars().first()
        request = ApprovalRequest(workspace_id=ex.workspace_id, execution_id=ex.id, step_id=step.id, node_id="t",
                                  workflow_id=ex.workflow_id, title="Approve", status="approved")
        s.add(request)
        s.flush()
        s.add(ApprovalDecision(request_id=request.id, user_name="owner", decision="approved"))
        s.add(ApprovalAudience(request_id=request.id, kind="user", name="owner"))
        s.add(WaitEvent(workspace_id=ex.workspace_id, execution_id=ex.id, step_id=step.id, node_id="t",
                        namespace="orders", event_key=execution_id, status="received"))
        s.add(EmailMessage(to_address="a@example.com", subject="s", body="b", execution_id=ex.id,
                           approval_request_id=request.id, created_at=_days_ago(days or 0), status="sent"))
        for i in range(logs):
            s.add(ExecutionLog(execution_id=ex.id, message=f"log {i}"))


def _count(model, *where) -> int:
    with db.read_session() as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).scalar_one()


def _exists(execution_id: str) -> bool:
    return _count(Execution, Execution.id == execution_id) == 1


def _children(execution_id: str) -> int:
    return sum(_count(model, model.execution_id == execution_id)
               for model in (ExecutionStep, ExecutionLog, WaitEvent, ApprovalRequest, EmailMessage))


@pytest.fixture
def owner(db_url):
    return make_user("owner")


def _workflow(owner_id: str, name: str, days: int | None = None) -> str:
    wf = create_workflow(owner_id, document([node("t", "Trigger")], [], name=name))
    if days is not None:
        set_workflow_retention(wf, owner_id, days)
    return wf


def _other_rows(workspace_id: str) -> None:
    with db.session() as s:
        s.add(EmailMessage(to_address="x@example.com", subject="old", body="b", created_at=_days_ago(40)))
        s.add(EmailMessage(to_address="x@example.com", subject="new", body="b", created_at=_days_ago(1)))
        for days, name in ((40, "expired-long-ago"), (2, "expired-lately"), (-1, "live")):
            s.add(BufferedSignal(workspace_id=workspace_id, namespace="orders", event_key=name,
                                 expires_at=_days_ago(days), created_at=_days_ago(days + 1)))
        s.add(IdempotencyRecord(scope="signal", key="old", created_at=_days_ago(40)))
        s.add(IdempotencyRecord(scope="signal", key="new", created_at=_days_ago(1)))
        s.add(PrunedExecution(id="gone-long-ago", workflow_id="w", workspace_id=workspace_id, user_id="u",
                              status="success", pruned_at=_days_ago(400)))


def test_retention_deletes_what_is_old_and_finished_and_keeps_the_rest(owner):
    plain, long_kept, forever = (_workflow(owner, "Plain"), _workflow(owner, "Ninety", 90),
                                 _workflow(owner, "Forever", 0))
    ids = {name: _run(wf) for name, wf in [("old", plain), ("old_error", plain), ("recent", plain),
                                           ("paused", plain), ("running", plain), ("b_40", long_kept),
                                           ("b_100", long_kept), ("forever", forever)]}
    for name, days, status in [("old", 40, "success"), ("old_error", 31, "error"), ("recent", 5, "success"),
                               ("paused", None, "paused"), ("running", 40, "running"), ("b_40", 40, "success"),
                               ("b_100", 100, "cancelled"), ("forever", 400, "success")]:
        _age(ids[name], days, status)
    with db.read_session() as s:
        workspace_id = s.get(Execution, ids["old"]).workspace_id
    _other_rows(workspace_id)

    done = prune(NOW, days=30, batch=2, max_batches=1000)  # tiny batches: many transactions

    assert (done.executions, done.mail, done.signals, done.idempotency, done.tombstones) == (3, 1, 1, 1, 1)
    assert not done.more
    for name in ("old", "old_error", "b_100"):
        assert not _exists(ids[name]) and _children(ids[name]) == 0
        assert _count(PrunedExecution, PrunedExecution.id == ids[name]) == 1
    for name in ("recent", "paused", "running", "b_40", "forever"):
        assert _exists(ids[name]) and _children(ids[name]) >= 5, name
    assert _count(ApprovalDecision) == _count(ApprovalAudience) == _count(ApprovalRequest) == 5
    assert [r for r in _subjects()] == ["new"]  # orphan mail: the old one went
    assert _count(BufferedSignal) == 2 and _count(BufferedSignal, BufferedSignal.event_key == "expired-long-ago") == 0
    assert _count(IdempotencyRecord) == 1 and _count(PrunedExecution, PrunedExecution.id == "gone-long-ago") == 0
    assert prune(NOW, days=30).executions == 0  # nothing left to do


def _subjects() -> list[str]:
    with db.read_session() as s:
        return list(s.exec(select(EmailMessage.subject).where(EmailMessage.execution_id.is_(None))).scalars())


def test_a_pass_stops_at_its_budget_and_the_next_one_resumes(owner):
    execution_id = _run(_workflow(owner, "Chatty"))
    _age(execution_id, 40, logs=9)
    first = prune(NOW, days=30, batch=2, max_batches=3)
    assert first.more and first.executions == 0
    assert _exists(execution_id) and 0 < _children(execution_id)
    second = prune(NOW, days=30, batch=2, max_batches=1000)
    assert second.executions == 1 and not second.more and not _exists(execution_id)


def test_zero_days_keeps_everything(owner):
    execution_id = _run(_workflow(owner, "Kept"))
    _age(execution_id, 4000)
    assert prune(NOW, days=0).executions == 0 and _exists(execution_id)


async def test_links_to_a_pruned_execution_say_deleted_by_retention(owner):
    execution_id = await _arun(_workflow(owner, "Linked"))
    _age(execution_id, 40)
    prune(NOW, days=30)
    make_user("stranger", roles=())
    with db.session() as s:
        mine, _ = accounts.start_session(s, accounts.find_user(s, "owner"), get_settings().secret_key)
        theirs, _ = accounts.start_session(s, accounts.find_user(s, "stranger"), get_settings().secret_key)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api()), base_url="http://t") as client:
        for path in (f"/api/workflows/executions/{execution_id}", f"/api/workflows/executions/{execution_id}/status"):
            r = await client.get(path, headers={"Authorization": f"Bearer {mine}"})
            assert r.status_code == 410
            assert r.json() == {"error": f"Execution deleted by retention (it finished on {_days_ago(40):%Y-%m-%d})",
                                "code": "deleted_by_retention"}
            r = await client.get(path, headers={"Authorization": f"Bearer {theirs}"})
            assert r.status_code == 404 and r.json()["code"] == "not_found"  # never reveal it existed
    with pytest.raises(DeletedByRetentionError, match="deleted by retention"):
        viewer_view(execution_id, owner)  # the viewer shows this message
    with pytest.raises(NotFoundError) as unknown:
        viewer_view("00000000-0000-0000-0000-000000000000", owner)
    assert not isinstance(unknown.value, DeletedByRetentionError)


def test_the_housekeeping_job_prunes(owner):
    execution_id = _run(_workflow(owner, "Housekept"))
    later = NOW + timedelta(days=get_settings().retention_days + 1)
    Housekeeping(url=None, settings=get_settings(), clock=lambda: later).run_once()
    assert not _exists(execution_id) and _count(PrunedExecution, PrunedExecution.id == execution_id) == 1


async def test_a_workflows_retention_through_the_api_and_the_command_line(owner):
    wf = _workflow(owner, "Settings")
    make_user("stranger", roles=())
    with db.session() as s:
        mine, _ = accounts.start_session(s, accounts.find_user(s, "owner"), get_settings().secret_key)
        theirs, _ = accounts.start_session(s, accounts.find_user(s, "stranger"), get_settings().secret_key)
    me, them = {"Authorization": f"Bearer {mine}"}, {"Authorization": f"Bearer {theirs}"}
    path = f"/api/workflows/{wf}/retention"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api()), base_url="http://t") as client:
        assert (await client.get(path, headers=me)).json() == {"id": wf, "retentionDays": None,
                                                                "effectiveRetentionDays": 30}
        r = await client.put(path, json={"retentionDays": 90}, headers=me)
        assert r.status_code == 200 and r.json()["effectiveRetentionDays"] == 90
        for bad in (-1, 1.5, "7", True, 100000):
            r = await client.put(path, json={"retentionDays": bad}, headers=me)
            assert r.status_code == 400 and r.json()["code"] == "bad_request" and "retentionDays" in r.json()["error"]
        assert (await client.put(path, json={}, headers=me)).status_code == 400
        assert (await client.put(path, json={"retentionDays": 7}, headers=them)).status_code == 404
        assert (await client.get(path, headers=me)).json()["retentionDays"] == 90
    result = CliRunner().invoke(main, ["workflows", "retention", wf, "default"])
    assert result.exit_code == 0 and '"retentionDays": null' in result.output
    result = CliRunner().invoke(main, ["workflows", "retention", wf, "soon"])
    assert result.exit_code == 1 and "DAYS must be a number" in result.output
