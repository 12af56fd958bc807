"""The executions list as people use it during an incident (issue 17 improvement 3, issue 13): an
operator filters by status and by who started the runs, reloads and keeps the filters from the URL,
bulk-retries two failed runs and sees the retries arrive live; the workspace switcher changes the
list; a member sees only their own runs; empty and error states; laptop and phone widths; axe."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, ROOT, sign_in, wait_for
from tests.e2e.test_ux import serious_violations
from wayvo_app.services import accounts, workflows
from wayvo_app.store import db
from wayvo_app.store import workspaces as store_workspaces

pytestmark = pytest.mark.e2e
PASSWORD = "wayvo-demo"
SUFFIX = uuid.uuid4().hex[:5]
LEAD, OLGA, MIA, MAX = (f"xl-{n}-{SUFFIX}" for n in ("lead", "olga", "mia", "max"))
TEAM = f"Incident team {SUFFIX}"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _doc(name: str, action: dict) -> dict:
    return {"name": name, "edges": [{"id": "e1", "source": "t", "target": "a"}], "nodes": [
        {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "a", "type": "action", "position": {"x": 0, "y": 150},
         "data": {"label": action.pop("label"), "type": "action", "config": action}}]}


WAITS = _doc("Wait for payment", {"label": "Wait", "actionType": "Wait for Event", "eventNamespace": "orders",
                                  "eventKey": "order-{{Trigger.orderId}}"})
FAILS = _doc("Sync invoices", {"label": "Call billing", "actionType": "HTTP Request", "httpMethod": "GET",
                               "endpoint": "{{Trigger.url}}"})


@pytest.fixture(scope="module")
def team(app_server) -> dict:
    """A workspace led by LEAD with OLGA (operator), MIA and MAX (members), its two published
    workflows, and OLGA's own workflow in her personal workspace."""
    with db.session(app_server["db_url"]) as s:
        ids = {}
        for name in (LEAD, OLGA, MIA, MAX):
            user = accounts.create_user(s, name, PASSWORD, roles=[], display_name=name.split("-")[1].title())
            ids[name] = user.id
        ws = store_workspaces.create_workspace(s, TEAM, ids[LEAD])
        for name, role in ((OLGA, "operator"), (MIA, "member"), (MAX, "member")):
            store_workspaces.set_member(s, ws.id, ids[name], role)
        made = {}
        for key, doc, owner, where in (("waits", WAITS, LEAD, ws.id), ("fails", FAILS, LEAD, ws.id),
                                       ("own", _doc("Olga's checks", {"label": "Wait", "actionType": "Wait for Event",
                                                                      "eventNamespace": "o", "eventKey": "k"}),
                                        OLGA, None)):
            wf = workflows.create_workflow(s, ids[owner], dict(doc), workspace_id=where)
            workflows.publish_workflow(s, wf.id, ids[owner])
            made[key] = wf.id
    return {"url": app_server["url"], "workspace": ws.id, **made}


def _run(base: str, user: str, workflow_id: str, payload: dict) -> str:
    token = httpx.post(f"{base}/api/auth/login", json={"userName": user, "password": PASSWORD}, timeout=10).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    r = httpx.post(f"{base}/api/workflow/{workflow_id}/execute", json={"input": payload}, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["executionId"]


def _status(base: str, user: str, execution_id: str) -> str:
    token = httpx.post(f"{base}/api/auth/login", json={"userName": user, "password": PASSWORD}, timeout=10).json()
    r = httpx.get(f"{base}/api/workflows/executions/{execution_id}/status",
                  headers={"Authorization": f"Bearer {token['token']}"}, timeout=10)
    return r.json()["status"]


def _switch(page, label: str) -> None:
    page.locator("#workspace-switcher").click()
    page.get_by_role("option", name=label).click()


def _href(page) -> str:
    """The address bar as the page sees it (Playwright's page.url can lag behind history.replaceState)."""
    return page.evaluate("window.location.href")


def _rows(page):
    return page.locator(".wv-execution-row")


def _row_attrs(page, name: str) -> list[str]:
    """The rows' `name` attribute, read at one instant (the list may re-render between reads)."""
    return page.eval_on_selector_all(".wv-execution-row", "(rows, n) => rows.map(r => r.getAttribute(n))", name)


def _choose(page, trigger: str, option: str) -> None:
    page.click(trigger)
    page.get_by_role("option", name=option, exact=True).click()


def test_operator_filters_reloads_and_bulk_retries_failed_runs(team, new_page):
    base = team["url"]
    mine = _run(base, MIA, team["waits"], {"orderId": 1})
    failed = [_run(base, MAX, team["fails"], {"url": f"not-a-url-{n}"}) for n in (1, 2)]
    _run(base, MAX, team["waits"], {"orderId": 2})
    _run(base, MIA, team["fails"], {"url": "not-a-url-3"})
    wait_for(lambda: all(_status(base, LEAD, ex) == "error" for ex in failed), "the failing runs to fail")

    page = new_page()
    sign_in(page, base, OLGA, PASSWORD)
    page.goto(f"{base}/workflows/executions")
    _switch(page, TEAM)
    page.locator(f'.wv-execution-row[data-id="{mine}"]').wait_for()
    wait_for(lambda: _rows(page).count() == 5, "the team's five runs")
    assert page.locator(f'.wv-execution-row[data-id="{mine}"] .wv-started-by').inner_text() == MIA

    _choose(page, "#filter-status", "Error")
    wait_for(lambda: _rows(page).count() == 3, "the three failed runs")
    _choose(page, "#filter-started-by", "Max")
    wait_for(lambda: _rows(page).count() == 2, "the two failed runs Max started")
    wait_for(lambda: "startedBy=" in _href(page) and "status=error" in _href(page), "the filters in the URL")

    page.reload()  # a shared link or a reload shows the same list
    wait_for(lambda: _rows(page).count() == 2 and page.locator('[data-phase="ready"]').count() == 1,
             "the filtered list after the reload")
    assert "Error" in page.locator("#filter-status").inner_text()
    assert {r.get_attribute("data-id") for r in _rows(page).all()} == set(failed)

    page.click("#select-page")
    page.click("#bulk-retry")
    page.locator("#bulk-result", has_text="2 retried").wait_for()
    _choose(page, "#filter-started-by", "Olga")  # a retry is started by whoever retried it
    # The retries fail again (the same bad URL): they show up as they fail, without a reload.
    # (Max's two failed runs stay on screen until the new filter's list arrives: wait for the
    # retries themselves, not for any two rows.)
    wait_for(lambda: _rows(page).count() == 2 and page.locator(".wv-origin", has_text="Retry of").count() == 2
             and not set(_row_attrs(page, "data-id")) & set(failed),
             "the two retries, failed", timeout_s=30)
    assert page.locator(".wv-started").first.get_attribute("title")  # the exact time on hover

    _choose(page, "#filter-status", "Paused")  # Mia's and Max's waiting runs: stop them both
    _choose(page, "#filter-started-by", "Anyone")
    wait_for(lambda: _row_attrs(page, "data-status") == ["paused", "paused"], "the two waiting runs")
    page.click("#select-page")
    page.click("#bulk-cancel")
    page.click("#confirm-bulk-cancel")
    page.locator("#bulk-result", has_text="2 cancelled").wait_for()
    wait_for(lambda: _rows(page).count() == 0, "the cancelled runs to leave the paused list")
    page.screenshot(path=str(ARTIFACTS / "executions-filtered-laptop.png"), full_page=True)


def test_switching_workspace_changes_the_list_and_members_see_their_own(team, new_page):
    base = team["url"]
    own = _run(base, OLGA, team["own"], {})
    hers = _run(base, MIA, team["waits"], {"orderId": 42})
    page = new_page()
    sign_in(page, base, OLGA, PASSWORD)
    page.goto(f"{base}/workflows/executions")
    _switch(page, re.compile(r"\(personal\)"))
    page.locator(f'.wv-execution-row[data-id="{own}"]').wait_for()
    assert _rows(page).count() == 1
    _switch(page, TEAM)
    page.locator(f'.wv-execution-row[data-id="{own}"]').wait_for(state="detached")
    wait_for(lambda: _rows(page).count() >= 5, "the team's runs")
    live = _run(base, MAX, team["waits"], {"orderId": 99})  # started elsewhere while the list is open
    page.locator(f'.wv-execution-row[data-id="{live}"]').wait_for()
    assert page.locator("#live-badge").count() == 1

    member = new_page(390, 844)
    sign_in(member, base, MIA, PASSWORD)
    member.goto(f"{base}/workflows/executions")
    _switch(member, TEAM)
    member.locator(f'.wv-execution-row[data-id="{hers}"]').wait_for()
    assert member.locator(f'.wv-execution-row[data-id="{live}"]').count() == 0  # Max's run is not hers
    assert member.locator("#filter-started-by").count() == 0 and member.locator("#select-page").count() == 0
    assert member.locator(".wv-started-by").count() == 0  # every row is hers: no "started by" column
    member.screenshot(path=str(ARTIFACTS / "executions-member-phone.png"), full_page=True)


def test_search_states_screens_and_accessibility(team, new_page):
    base = team["url"]
    page = new_page()
    sign_in(page, base, OLGA, PASSWORD)
    page.goto(f"{base}/workflows/executions")
    _switch(page, TEAM)
    _rows(page).first.wait_for()
    page.fill("#filter-search", "not-a-url-3")
    wait_for(lambda: _rows(page).count() == 1, "the run whose input matches")
    wait_for(lambda: "q=not-a-url-3" in _href(page), "the search in the URL")
    violations = serious_violations(page)
    assert not violations, violations
    page.fill("#filter-search", "")
    wait_for(lambda: _rows(page).count() >= 5, "every run again")
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "executions-list.png"))
    page.fill("#filter-search", "nothing-like-this")
    page.locator("#executions-empty", has_text="Nothing matches these filters").wait_for()
    page.screenshot(path=str(ARTIFACTS / "executions-empty-filtered.png"))
    page.click("#clear-filters")
    wait_for(lambda: _rows(page).count() >= 5, "every run after clearing")

    phone = new_page(390, 844, timezone_id="Asia/Tokyo")
    sign_in(phone, base, OLGA, PASSWORD)
    phone.goto(f"{base}/workflows/executions")
    _switch(phone, TEAM)
    _rows(phone).first.wait_for()
    phone.goto(f"{base}/workflows/executions?status=error")  # a shared link opens filtered
    _rows(phone).first.wait_for()
    phone.locator("#time-zone", has_text="Asia/Tokyo").wait_for()  # the browser's zone
    assert phone.locator(".wv-started").first.get_attribute("title").endswith("UTC+09:00")
    assert not serious_violations(phone)
    phone.screenshot(path=str(ARTIFACTS / "executions-phone.png"), full_page=True)
    phone.goto(f"{base}/workflows/{uuid.uuid4()}/executions")
    phone.locator("#executions-error", has_text="Workflow not found").wait_for()
    phone.screenshot(path=str(ARTIFACTS / "executions-error-phone.png"), full_page=True)
