"""`GET /api/workflows/executions` (issue 15 item 5) and the list's services: cursor paging that
stays put while runs start, filters, what each principal may see, where each run came from, the
live marker of a workspace, and the bulk cancel and retry, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from tests.helpers import adrain, document, drain, edge, make_user, node
from wayvo_app.api.app import create_api
from wayvo_app.core.errors import StepError
from wayvo_app.core.specs import NodeSpec, Registry
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import builtin_specs
from wayvo_app.services import accounts, api_keys, builder, execution_bulk, execution_lists, workflows
from wayvo_app.services.execution_listing import ListView, list_view
from wayvo_app.services.executions import retry_execution, trigger_workflow
from wayvo_app.services.revision_hub import _read as hub_read
from wayvo_app.services.revision_hub import workspace_key
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.execution_reads import ExecutionFilter
from wayvo_app.store.models import Execution, utcnow

LIST = "/api/workflows/executions"


def _explode(ctx, config):
    raise StepError(f"billing answered 503 for order {ctx.trigger_input['orderId']}", retryable=False)


@pytest.fixture
def registry(db_url):
    set_registry(Registry([*builtin_specs(), NodeSpec(action_type="Explode", label="Explode", run=_explode)]))
    yield
    set_registry(None)


@pytest.fixture
async def api(registry):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_api()), base_url="http://test") as client:
        yield client


def _token(user_name: str) -> dict:
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


def _team() -> tuple[str, dict[str, str], str, str]:
    """A workspace: lead (admin), olga (operator), mia and max (members); a published waiting
    workflow and a published failing one."""
    ids = {name: make_user(name, roles=()) for name in ("lead", "olga", "mia", "max")}
    with db.session() as s:
        ws = store_workspaces.create_workspace(s, "Team", ids["lead"]).id
        for name, role in (("olga", "operator"), ("mia", "member"), ("max", "member")):
            store_workspaces.set_member(s, ws, ids[name], role)
        waits = workflows.create_workflow(s, ids["lead"], document(
            [node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="orders",
                                        eventKey="order-{{Trigger.orderId}}")], [edge("t", "w")], "Waits"),
            workspace_id=ws)
        fails = workflows.create_workflow(s, ids["lead"], document(
            [node("t", "Trigger"), node("x", "Bill", "Explode")], [edge("t", "x")], "Fails"), workspace_id=ws)
        for wf in (waits, fails):
            workflows.publish_workflow(s, wf.id, ids["lead"])
        return ws, ids, waits.id, fails.id


def _run(workflow_id: str, user: str, order: int, **kwargs) -> str:
    return trigger_workflow(workflow_id=workflow_id, user_name=user, input={"orderId": order}, **kwargs).execution_id


async def _page(api, headers, **params) -> dict:
    r = await api.get(LIST, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_cursor_pages_have_no_duplicates_and_no_gaps_while_runs_start(api):
    ws, ids, waits, _ = _team()
    first = [_run(waits, "mia", n) for n in range(7)]
    same = utcnow() - timedelta(minutes=5)  # three runs started in the same microsecond: the id breaks the tie
    with db.session() as s:
        s.exec(update(Execution).where(Execution.id.in_(first[2:5])).values(started_at=same))
    olga = _token("olga")
    seen: list[str] = []
    page = await _page(api, olga, limit="2", workspaceId=ws)
    started = []
    while True:
        seen += [row["id"] for row in page["executions"]]
        started.append(_run(waits, "max", 100 + len(started)))  # a new run between every two pages
        if page["nextCursor"] is None:
            break
        page = await _page(api, olga, limit="2", workspaceId=ws, cursor=page["nextCursor"])
    assert len(seen) == len(set(seen)) == 7 and set(seen) == set(first)
    times = [row["startedAt"] for row in (await _page(api, olga, limit="200"))["executions"]]
    assert times == sorted(times, reverse=True)
    newest = await _page(api, olga, limit="3")
    assert [row["id"] for row in newest["executions"]] == started[::-1][:3]


async def test_filters_and_what_each_principal_sees(api):
    ws, ids, waits, fails = _team()
    run_mia = _run(waits, "mia", 1)
    run_max = _run(fails, "max", 2)
    run_olga = _run(waits, "olga", 3)
    await adrain()
    olga, mia = _token("olga"), _token("mia")
    everything = await _page(api, olga)
    assert {r["id"] for r in everything["executions"]} == {run_mia, run_max, run_olga}
    assert {r["id"] for r in (await _page(api, mia))["executions"]} == {run_mia}
    assert [r["id"] for r in (await _page(api, olga, startedBy="max"))["executions"]] == [run_max]
    assert [r["id"] for r in (await _page(api, olga, status="error"))["executions"]] == [run_max]
    both = await _page(api, olga, status="error,paused", workflowId=waits)
    assert {r["id"] for r in both["executions"]} == {run_mia, run_olga}
    assert [r["id"] for r in (await _page(api, olga, q="ANSWERED 503"))["executions"]] == [run_max]
    assert [r["id"] for r in (await _page(api, olga, q='"orderId": 3'))["executions"]] == [run_olga]
    assert [r["id"] for r in (await _page(api, olga, q=run_mia[:8]))["executions"]] == [run_mia]
    assert (await _page(api, olga, q="100%_"))["executions"] == []  # LIKE wildcards are plain text
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    assert (await _page(api, olga, since=later))["executions"] == []
    assert len((await _page(api, olga, until=later, origin="code"))["executions"]) == 3
    row = next(r for r in everything["executions"] if r["id"] == run_max)
    assert (row["status"], row["startedBy"], row["origin"], row["workflowName"]) == ("error", "max", "code", "Fails")
    assert "503" in row["error"] and row["workspaceId"] == ws
    for params, needle in (({"status": "stuck"}, "status must be one of"), ({"limit": "0"}, "limit"),
                           ({"since": "yesterday"}, "ISO 8601"), ({"cursor": "!!"}, "cursor"),
                           ({"origin": "fax"}, "origin must be one of")):
        r = await api.get(LIST, params=params, headers=olga)
        assert r.status_code == 400 and needle in r.json()["error"] and r.json()["code"], (params, r.text)
    outsider = make_user("outsider", roles=())
    r = await api.get(LIST, params={"workspaceId": ws}, headers=_token("outsider"))
    assert r.status_code == 404 and r.json()["error"] == "Workspace not found"
    assert outsider and (await _page(api, _token("outsider")))["executions"] == []
    assert (await api.get(LIST)).status_code == 401


async def test_an_api_key_lists_its_workspace_only_and_needs_the_execute_scope(api):
    ws, ids, waits, _ = _team()
    with db.session() as s:
        personal = workflows.create_workflow(s, ids["lead"], document([node("t", "Trigger")], [], "Mine")).id
        workflows.publish_workflow(s, personal, ids["lead"])
    team_run, own_run = _run(waits, "mia", 1), _run(personal, "lead", 2)
    key = api_keys.new_api_key(ids["lead"], "ops", workspace_id=ws).key
    headers = {"Authorization": f"Bearer {key}"}
    assert [r["id"] for r in (await _page(api, headers))["executions"]] == [team_run]
    assert {r["id"] for r in (await _page(api, _token("lead")))["executions"]} == {team_run, own_run}
    r = await api.get(LIST, params={"workspaceId": "another"}, headers=headers)
    assert r.status_code == 404
    signal_only = api_keys.new_api_key(ids["lead"], "signals", workspace_id=ws, scopes=["signal"]).key
    r = await api.get(LIST, headers={"Authorization": f"Bearer {signal_only}"})
    assert r.status_code == 403 and "'execute' scope" in r.json()["error"]


async def test_each_run_says_where_it_came_from(api):
    ws, ids, waits, fails = _team()
    with db.session() as s:
        hook = workflows.create_workflow(s, ids["lead"], document(
            [node("t", "Trigger", triggerType="Webhook")], [], "Hook"), workspace_id=ws)
        workflows.publish_workflow(s, hook.id, ids["lead"])
    lead = _token("lead")
    key = {"Authorization": "Bearer " + api_keys.new_api_key(ids["lead"], "ci", workspace_id=ws).key}
    by_api = (await api.post(f"/api/workflow/{waits}/execute", json={"input": {"orderId": 1}}, headers=lead)).json()
    by_key = (await api.post(f"/api/workflow/{waits}/execute", json={"input": {"orderId": 2}}, headers=key)).json()
    by_hook = (await api.post(f"/api/workflows/{hook.id}/webhook", json={"a": 1}, headers=key)).json()
    by_ui = builder.run(waits, ids["lead"], {"orderId": 3}, draft=False)
    failed = _run(fails, "lead", 4)
    await adrain()
    retried = retry_execution(failed, ids["lead"], "start").id
    rows = {r["id"]: r["origin"] for r in (await _page(api, lead))["executions"]}
    assert rows == {by_api["executionId"]: "api", by_key["executionId"]: "api_key",
                    by_hook["executionId"]: "webhook", by_ui: "ui", failed: "code", retried: "retry"}
    listed = execution_lists.page_of_executions(ids["lead"], ExecutionFilter(workspace_id=ws, origin="retry"), 1, 10)
    assert [(r["id"], r["originLabel"], r["retryOf"]) for r in listed[0].rows] == [(retried, "Retry", failed)]


def test_the_workspace_marker_moves_on_every_insert_and_change(registry):
    ws, ids, waits, fails = _team()
    other = store_workspaces.personal_workspace_id  # a workspace without executions has no marker
    with db.read_session() as s:
        empty = other(s, ids["mia"])
    before = hub_read([workspace_key(ws), workspace_key(empty)], ids["lead"])
    assert before == {}
    run = _run(fails, "mia", 1)
    started = hub_read([workspace_key(ws), run], ids["lead"])
    assert set(started) == {workspace_key(ws), run}
    drain()
    finished = hub_read([workspace_key(ws)], ids["lead"])
    assert finished[workspace_key(ws)] != started[workspace_key(ws)]
    view = list_view(ids["olga"], ExecutionFilter(workspace_id=ws), 1, 20)
    assert isinstance(view, ListView) and view.revision == finished[workspace_key(ws)]
    assert [s["userName"] for s in view.starters] == ["lead", "max", "mia", "olga"]
    assert [w["name"] for w in view.workflows] == ["Fails", "Waits"]
    member_view = list_view(ids["mia"], ExecutionFilter(workspace_id=ws), 1, 20)
    assert member_view.starters == [] and [r["id"] for r in member_view.page.rows] == [run]
    assert list_view(ids["mia"], ExecutionFilter(workspace_id=empty), 1, 20).page.rows == []


def test_bulk_cancel_and_retry_check_each_row(registry):
    ws, ids, waits, fails = _team()
    waiting = [_run(waits, "mia", n) for n in (1, 2, 3)]
    failed = [_run(fails, "max", n) for n in (4, 5)]
    drain()
    with db.session() as s:
        elsewhere = workflows.create_workflow(s, ids["max"], document([node("t", "Trigger"), node(
            "w", "Wait", "Wait for Event", eventNamespace="n", eventKey="k")], [edge("t", "w")], "Private")).id
        workflows.publish_workflow(s, elsewhere, ids["max"])
    private = _run(elsewhere, "max", 9)
    drain()
    result = execution_bulk.cancel_many([*waiting, failed[0], private], ids["olga"])
    assert result.summary == "3 cancelled, 1 not allowed, 1 already finished"
    denied = execution_bulk.retry_many(failed, ids["mia"])
    assert denied.summary == "2 not allowed" and denied.new_ids == ()
    retried = execution_bulk.retry_many([*failed, waiting[0], private, failed[0]], ids["olga"])
    assert retried.summary == "3 retried, 1 not allowed"  # the duplicate id counts once
    with db.read_session() as s:
        rows = {ex.id: ex for ex in s.exec(Execution.__table__.select()).all()}  # noqa: SLF001
    assert {rows[new].retry_of_id for new in retried.new_ids} == {failed[0], failed[1], waiting[0]}
    assert all(rows[new].origin == "retry" for new in retried.new_ids)
    with pytest.raises(Exception, match="at most"):
        execution_bulk.cancel_many([str(n) for n in range(execution_bulk.MAX_BULK + 1)], ids["olga"])


async def test_the_list_is_in_the_openapi_document_with_an_example(api):
    spec = (await api.get("/api/openapi.json")).json()
    operation = spec["paths"][LIST]["get"]
    assert {"workflowId", "status", "startedBy", "since", "until", "origin", "cursor", "limit"} <= {
        p["name"] for p in operation["parameters"]}
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert set(example) == {"executions", "nextCursor"} and example["executions"][0]["origin"] == "api_key"
    assert operation["x-api-key-scope"] == "API-key scope: execute"
    page = (await api.get("/api/docs")).text
    assert "Example response" in page and "nextCursor" in page
