"""/workflows in Chromium: the list follows the workspace switcher (and new workflows go to the current
workspace), search and sort, the trigger column, the Active/Off switch (an Off workflow refuses runs),
a taken name refused in the create dialog; screenshots at laptop and phone width."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in, wait_for
from wayvo_app.services import accounts
from wayvo_app.store import db

pytestmark = pytest.mark.e2e
USER = "ops-user"  # a user of its own: the other browser tests expect the demo users' lists empty
PASSWORD = "wayvo-demo"


@pytest.fixture(scope="module")
def base(app_server) -> str:
    with db.session(app_server["db_url"]) as s:
        if accounts.find_user(s, USER) is None:
            accounts.create_user(s, USER, PASSWORD, roles=[], display_name="Ops User")
    return app_server["url"]


class Api:
    def __init__(self, base_url: str):
        self.base = base_url
        r = httpx.post(f"{base_url}/api/auth/login", json={"userName": USER, "password": PASSWORD}, timeout=10)
        r.raise_for_status()
        self.headers = {"Authorization": f"Bearer {r.json()['token']}"}

    def call(self, method: str, path: str, body: dict | None = None, **params) -> httpx.Response:
        return httpx.request(method, self.base + path, json=body, params=params, headers=self.headers, timeout=10)

    def workflow(self, name: str, trigger: str = "Manual", **extra) -> str:
        doc = {"name": name, "edges": [], **extra, "nodes": [
            {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
             "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": trigger}}}]}
        made = self.call("POST", "/api/workflows", doc)
        assert made.status_code == 200, made.text
        assert self.call("POST", f"/api/workflows/{made.json()['id']}/publish").status_code == 200
        return made.json()["id"]


def _names(page) -> list[str]:
    """The rows' names, read in one go (the list re-renders as the search narrows it)."""
    return page.eval_on_selector_all(".wf-row", "rows => rows.map(r => r.dataset.name)")


def _switch_to(page, label: str) -> None:
    page.locator("#workspace-switcher").click()
    page.get_by_role("option", name=label).click()


def test_the_list_follows_the_workspace_switcher(base, new_page):
    api, tag = Api(base), uuid.uuid4().hex[:6]
    team = api.call("POST", "/api/workspaces", {"name": f"Ops {tag}"}).json()
    api.workflow(f"Personal {tag}")
    page = new_page()
    sign_in(page, base, USER, PASSWORD)
    page.locator(".wf-row", has_text=f"Personal {tag}").wait_for()

    _switch_to(page, f"Ops {tag}")
    page.get_by_text("No workflows yet").wait_for()
    assert page.locator(".wf-row").count() == 0
    page.click("#new-workflow")
    page.fill("#create-form-name", f"Team flow {tag}")
    page.click("#create-form-submit")
    page.wait_for_url("**/workflows/*")
    page.goto(f"{base}/workflows")
    page.locator(".wf-row", has_text=f"Team flow {tag}").wait_for()
    assert f"Personal {tag}" not in _names(page)
    listed = api.call("GET", "/api/workflows", workspaceId=team["id"]).json()["items"]
    assert [i["name"] for i in listed] == [f"Team flow {tag}"]

    _switch_to(page, "Ops User (personal)")
    page.locator(".wf-row", has_text=f"Personal {tag}").wait_for()
    assert f"Team flow {tag}" not in _names(page)


def test_search_sort_and_the_active_switch(base, new_page):
    api, tag = Api(base), uuid.uuid4().hex[:6]
    alpha = api.workflow(f"{tag} alpha")
    api.workflow(f"{tag} beta", trigger="Webhook")
    page = new_page()
    sign_in(page, base, USER, PASSWORD)
    page.fill("#workflow-search", tag)
    wait_for(lambda: _names(page) == [f"{tag} beta", f"{tag} alpha"], "the search to keep only the two")
    assert "Webhook" in page.locator(".wf-row", has_text=f"{tag} beta").locator(".wf-trigger").inner_text()
    page.click("#workflow-sort")
    page.get_by_role("option", name="Name (A–Z)").click()
    wait_for(lambda: _names(page) == [f"{tag} alpha", f"{tag} beta"], "the rows sorted by name")

    row = page.locator(f'.wf-row[data-id="{alpha}"]')
    assert row.get_attribute("data-active") == "true"
    row.locator(".wf-active").click()
    page.get_by_text("is off: schedules and webhooks stop").wait_for()
    wait_for(lambda: row.get_attribute("data-active") == "false", "the row to show Off")
    refused = api.call("POST", f"/api/workflow/{alpha}/execute", {"input": {}})
    assert refused.status_code == 409 and "is off" in refused.json()["error"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workflows-laptop.png"), full_page=True)
    row.locator(".wf-active").click()
    wait_for(lambda: row.get_attribute("data-active") == "true", "the row to show Active")
    assert api.call("POST", f"/api/workflow/{alpha}/execute", {"input": {}}).status_code == 200

    page.fill("#workflow-search", f"nothing-{tag}")
    page.locator("#no-match").wait_for()
    page.click("#clear-search")
    page.locator(".wf-row", has_text=f"{tag} alpha").wait_for()

    page.click("#new-workflow")
    page.fill("#create-form-name", f"{tag} ALPHA")
    page.click("#create-form-submit")
    page.get_by_text(f'A workflow named "{tag} ALPHA" already exists in this workspace').wait_for()

    phone = new_page(375, 812)
    sign_in(phone, base, USER, PASSWORD)
    phone.fill("#workflow-search", tag)
    wait_for(lambda: len(_names(phone)) == 2, "the phone's search")
    phone.screenshot(path=str(ARTIFACTS / "workflows-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # the table scrolls, not the page
