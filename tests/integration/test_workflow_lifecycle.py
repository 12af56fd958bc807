"""The workflows list API (search, workspace, cursor paging stable under inserts, permissions), delete
over HTTP, the Active/Off switch (runs, execute, trigger_workflow, webhooks, schedules refused) and
unique names per workspace; through the real FastAPI app on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.helpers import adrain, create_workflow, document, edge, make_user, node
from wayvo_app.api.app import create_api
from wayvo_app.core.errors import DuplicateWorkflowNameError, WorkflowInactiveError
from wayvo_app.server import trigger_workflow
from wayvo_app.services import accounts, api_keys, library, workflows
from wayvo_app.services.schedules import fire_due_schedules
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces
from wayvo_app.store.models import Execution


@pytest.fixture
async def api(db_url):
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _auth(user_name: str) -> dict:
    make_user(user_name, roles=())
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, user_name), get_settings().secret_key)
    return {"Authorization": f"Bearer {token}"}


def _id(name: str) -> str:
    with db.read_session() as s:
        return accounts.find_user(s, name).id


def _team(admin: str, **members: str) -> str:
    with db.session() as s:
        ws = store_workspaces.create_workspace(s, "Team", _id(admin)).id
        for user, role in members.items():
            store_workspaces.set_member(s, ws, _id(user), role)
    return ws


def _doc(name: str, trigger: str = "Manual", **config) -> dict:
    return document([node("t", "Trigger", triggerType=trigger, **config),
                     node("c", "Check", "Condition", condition="true")], [edge("t", "c")], name)


def _new(owner: str, name: str, workspace_id: str | None = None, trigger: str = "Manual", **config) -> str:
    with db.session() as s:
        wf = workflows.create_workflow(s, _id(owner), _doc(name, trigger, **config), workspace_id)
        workflows.publish_workflow(s, wf.id, _id(owner))
        return wf.id


async def _all_pages(api, headers: dict, **params) -> list[list[str]]:
    pages, cursor = [], ""
    while True:
        r = await api.get("/api/workflows", params={**params, **({"cursor": cursor} if cursor else {})},
                          headers=headers)
        assert r.status_code == 200, r.text
        pages.append([item["name"] for item in r.json()["items"]])
        cursor = r.json()["nextCursor"]
        if not cursor:
            return pages


async def test_list_searches_filters_by_workspace_and_shows_only_what_the_caller_may_see(api):
    lead, ann, out = _auth("lead"), _auth("ann"), _auth("mallory")
    team = _team("lead", ann="member")
    _new("lead", "Invoice sync")
    _new("lead", "Order approval", team)
    _new("lead", "Order refund", team, trigger="Webhook")
    body = (await api.get("/api/workflows", params={"search": "ORDER"}, headers=lead)).json()
    assert sorted(i["name"] for i in body["items"]) == ["Order approval", "Order refund"]
    item = next(i for i in body["items"] if i["name"] == "Order refund")
    assert item["triggerType"] == "Webhook" and item["active"] is True and item["workspaceId"] == team
    assert item["version"] == 1 and item["lastExecution"] is None and body["nextCursor"] is None
    names = lambda r: sorted(i["name"] for i in r.json()["items"])  # noqa: E731
    assert names(await api.get("/api/workflows", headers=ann)) == ["Order approval", "Order refund"]
    assert names(await api.get("/api/workflows", params={"workspaceId": team}, headers=lead)) == [
        "Order approval", "Order refund"]
    assert (await api.get("/api/workflows", headers=out)).json() == {"items": [], "nextCursor": None}
    denied = await api.get("/api/workflows", params={"workspaceId": team}, headers=out)
    assert denied.status_code == 404 and denied.json()["error"] == "Workspace not found"
    assert names(await api.get("/api/workflows", params={"search": "100%_"}, headers=lead)) == []
    # An API key lists its own workspace only.
    key = api_keys.new_api_key(_id("lead"), "ci", workspace_id=team, scopes=["execute", "manage"]).key
    as_key = {"Authorization": f"Bearer {key}"}
    assert names(await api.get("/api/workflows", headers=as_key)) == ["Order approval", "Order refund"]
    with db.read_session() as s:
        personal = store_workspaces.personal_workspace_id(s, _id("lead"))
    assert (await api.get("/api/workflows", params={"workspaceId": personal}, headers=as_key)).status_code == 404
    narrow = api_keys.new_api_key(_id("lead"), "run only", workspace_id=team).key
    refused = await api.get("/api/workflows", headers={"Authorization": f"Bearer {narrow}"})
    assert refused.status_code == 403 and "'manage' scope" in refused.json()["error"]


async def test_cursor_paging_is_stable_under_inserts_and_checks_its_input(api):
    lead = _auth("lead")
    for n in range(5):
        _new("lead", f"Flow {n}")
    first = await api.get("/api/workflows", params={"limit": 2}, headers=lead)
    assert [i["name"] for i in first.json()["items"]] == ["Flow 4", "Flow 3"]
    _new("lead", "Flow 5")  # created while paging: newest first, so it never shifts the later pages
    rest = await _all_pages(api, lead, limit=2, cursor=first.json()["nextCursor"])
    assert [n for page in rest for n in page] == ["Flow 2", "Flow 1", "Flow 0"]
    by_name = await _all_pages(api, lead, sort="name", limit=4)
    assert by_name == [["Flow 0", "Flow 1", "Flow 2", "Flow 3"], ["Flow 4", "Flow 5"]]
    updated = await _all_pages(api, lead, sort="updated", limit=5)
    assert [len(p) for p in updated] == [5, 1]
    other_sort = await api.get("/api/workflows", params={"sort": "name", "cursor": first.json()["nextCursor"]},
                               headers=lead)
    assert other_sort.status_code == 400 and "sort=created" in other_sort.json()["error"]
    for params in ({"cursor": "not a cursor"}, {"limit": 0}, {"limit": 201}, {"sort": "size"}):
        bad = await api.get("/api/workflows", params=params, headers=lead)
        assert bad.status_code == 400 and bad.json()["code"] == "bad_request", params


async def test_delete_cancels_open_executions_and_says_so(api):
    lead, ann, out = _auth("lead"), _auth("ann"), _auth("mallory")
    team = _team("lead", ann="operator")
    doc = document([node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="orders",
                                               eventKey="k1")], [edge("t", "w")], "Waits")
    with db.session() as s:
        wf = workflows.create_workflow(s, _id("lead"), doc, team)
        workflows.publish_workflow(s, wf.id, _id("lead"))
        wf = wf.id
    run = await api.post(f"/api/workflow/{wf}/execute", json={"input": {}}, headers=lead)
    await adrain()
    assert (await api.delete(f"/api/workflows/{wf}", headers=out)).status_code == 404
    refused = await api.delete(f"/api/workflows/{wf}", headers=ann)
    assert refused.status_code == 403 and "needs editor" in refused.json()["error"]
    gone = await api.delete(f"/api/workflows/{wf}", headers=lead)
    assert gone.status_code == 200 and gone.json() == {"id": wf, "deleted": True, "cancelledExecutions": 1}
    assert (await api.get(f"/api/workflows/{wf}", headers=lead)).status_code == 404
    assert (await api.get(f"/api/workflows/executions/{run.json()['executionId']}", headers=lead)).status_code == 404
    assert (await api.delete(f"/api/workflows/{wf}", headers=lead)).status_code == 404


async def test_an_off_workflow_starts_nothing_until_switched_on(api):
    lead, ann = _auth("lead"), _auth("ann")
    team = _team("lead", ann="member")
    wf = _new("lead", "Nightly", team)
    hook = _new("lead", "Hook", team, trigger="Webhook")
    cron = _new("lead", "Every 5 minutes", team, trigger="Schedule", scheduleCron="*/5 * * * *")
    assert (await api.put(f"/api/workflows/{wf}/active", json={"active": False}, headers=ann)).status_code == 403
    for target in (wf, hook, cron):
        off = await api.put(f"/api/workflows/{target}/active", json={"active": False}, headers=lead)
        assert off.status_code == 200 and off.json()["active"] is False
    refused = await api.post(f"/api/workflow/{wf}/execute", json={"input": {}}, headers=ann)
    assert refused.status_code == 409 and refused.json() == {
        "error": 'Workflow "Nightly" is off: turn it on (Active) on the workflows page to run it',
        "code": "workflow_inactive"}
    with pytest.raises(WorkflowInactiveError):
        trigger_workflow(workflow_id=wf, user_name="ann")
    key = api_keys.new_api_key(_id("lead"), "hooks", workspace_id=team).key
    webhook = await api.post(f"/api/workflows/{hook}/webhook", json={"a": 1}, headers={"Authorization": f"Bearer {key}"})
    assert webhook.status_code == 409 and webhook.json()["code"] == "workflow_inactive"
    later = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    assert fire_due_schedules(later) == 0
    listed = (await api.get("/api/workflows", params={"search": "Nightly"}, headers=lead)).json()["items"]
    assert listed[0]["active"] is False
    with db.read_session() as s:
        assert s.exec(select(Execution.id)).first() is None  # nothing started, not even a failed fire
    assert (await api.put(f"/api/workflows/{wf}/active", json={"active": True}, headers=lead)).json()["active"]
    run = await api.post(f"/api/workflow/{wf}/execute", json={"input": {}}, headers=ann)
    assert run.status_code == 200 and run.json()["status"] == "running"
    library.set_active(cron, _id("lead"), True)
    assert fire_due_schedules(later + timedelta(minutes=5)) == 1


async def test_names_are_unique_per_workspace(api):
    lead = _auth("lead")
    team = _team("lead")
    first = await api.post("/api/workflows", json=_doc("Order approval"), headers=lead)
    assert first.status_code == 200
    again = await api.post("/api/workflows", json=_doc(" order APPROVAL "), headers=lead)
    assert again.status_code == 409 and again.json() == {
        "error": 'A workflow named "order APPROVAL" already exists in this workspace; choose another name',
        "code": "duplicate_workflow_name"}
    other = await api.post("/api/workflows", json=_doc("Refunds"), headers=lead)
    renamed = await api.put(f"/api/workflows/{other.json()['id']}", json=_doc("Order approval"), headers=lead)
    assert renamed.status_code == 409 and renamed.json()["code"] == "duplicate_workflow_name"
    assert (await api.put(f"/api/workflows/{first.json()['id']}", json=_doc("Order approval"),
                          headers=lead)).status_code == 200  # its own name is no clash
    user = _id("lead")
    with pytest.raises(DuplicateWorkflowNameError):
        library.rename(other.json()["id"], user, "ORDER approval")
    refunds = json.dumps(_doc("Refunds"))
    with pytest.raises(library.ImportProblems, match="already exists"):
        library.import_document(user, refunds)
    in_team = library.import_document(user, refunds, team)
    copies = [library.duplicate(in_team, user) for _ in range(2)]
    with db.read_session() as s:
        names = [workflows.get_owned(s, c, user).name for c in copies]
    assert names == ["Refunds (copy)", "Refunds (copy 2)"]
    blanks = [library.create_blank(user, "  ", team) for _ in range(2)]
    with db.read_session() as s:
        assert [workflows.get_owned(s, b, user).name for b in blanks] == ["Untitled workflow", "Untitled workflow 2"]
    with pytest.raises(DuplicateWorkflowNameError):
        library.create_blank(user, "Refunds", team)


def test_the_page_rows_follow_the_workspace_search_and_sort(db_url):
    make_user("lead", roles=())
    team = _team("lead")
    _new("lead", "Beta", team)
    _new("lead", "alpha", team)
    _new("lead", "Personal one")
    rows = library.list_rows(_id("lead"), team, sort="name")
    assert [r["name"] for r in rows] == ["alpha", "Beta"]
    assert rows[0]["triggerType"] == "Manual" and rows[0]["active"] is True and rows[0]["lastStatus"] == ""
    assert [r["name"] for r in library.list_rows(_id("lead"), team, search="ET")] == ["Beta"]
    create_workflow(_id("lead"), _doc("Beta"))  # the test helper picks a free name in the personal workspace
    trigger_workflow(workflow_id=_new("lead", "Ran", team), user_name="lead")
    by_run = library.list_rows(_id("lead"), team, sort="lastRun")
    assert by_run[0]["name"] == "Ran" and by_run[0]["lastStatus"] == "running" and by_run[0]["lastAt"]


async def test_the_new_routes_are_in_the_openapi_document_with_examples(api):
    spec = (await api.get("/api/openapi.json")).json()
    listing = spec["paths"]["/api/workflows"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"search", "workspaceId", "sort", "limit", "cursor"}
    assert listing["responses"]["200"]["content"]["application/json"]["example"]["items"][0]["triggerType"]
    removal = spec["paths"]["/api/workflows/{workflow_id}"]["delete"]
    assert removal["responses"]["200"]["content"]["application/json"]["example"]["cancelledExecutions"] == 2
    assert removal["x-api-key-scope"] == "API-key scope: manage"
    page = (await api.get("/api/docs")).text
    assert "Example response" in page and "cancelledExecutions" in page


async def test_create_takes_a_workspace_id_where_the_caller_is_an_editor(api):
    lead, ann = _auth("lead"), _auth("ann")
    team = _team("lead", ann="operator")
    made = await api.post("/api/workflows", json={**_doc("Team flow"), "workspaceId": team}, headers=lead)
    assert made.status_code == 200
    listed = (await api.get("/api/workflows", params={"workspaceId": team}, headers=lead)).json()["items"]
    assert [i["name"] for i in listed] == ["Team flow"]
    refused = await api.post("/api/workflows", json={**_doc("Mine"), "workspaceId": team}, headers=ann)
    assert refused.status_code == 403 and "needs editor" in refused.json()["error"]
    unknown = await api.post("/api/workflows", json={**_doc("Mine"), "workspaceId": "nope"}, headers=ann)
    assert unknown.status_code == 404 and unknown.json()["error"] == "Workspace not found"
    key = api_keys.new_api_key(_id("lead"), "ci", workspace_id=team, scopes=["manage"]).key
    by_key = await api.post("/api/workflows", json=_doc("By key"), headers={"Authorization": f"Bearer {key}"})
    with db.read_session() as s:
        assert workflows.get_owned(s, by_key.json()["id"], _id("lead")).workspace_id == team
