"""The browser side of issue 17's defects: an axe-core accessibility check on every page, building
by keyboard only (palette, reference picker, "Connect to…"), clearing the workflow name, a draft
edited in two tabs, the delete warning, and the small ones (favicon, 404, "1 problem", empty
executions list, From after To, the navigation's active item)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in, wait_for
from wayvo_app.services import accounts
from wayvo_app.store import db

pytestmark = pytest.mark.e2e
USER = "ux-user"  # users of their own: the other browser tests expect the demo users' lists empty
NEWCOMER = "ux-newcomer"
APPROVER = "ux-approver"
PASSWORD = "wayvo-demo"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="module")
def base(app_server) -> str:
    with db.session(app_server["db_url"]) as s:
        for name, roles in ((USER, ["admin"]), (NEWCOMER, ["admin"]), (APPROVER, ["approver"])):
            if accounts.find_user(s, name) is None:
                accounts.create_user(s, name, PASSWORD, roles=roles, display_name=name.title())
    return app_server["url"]


class Api:
    def __init__(self, base_url: str, user: str = USER):
        self.base = base_url
        r = httpx.post(f"{base_url}/api/auth/login", json={"userName": user, "password": PASSWORD}, timeout=10)
        r.raise_for_status()
        self.headers = {"Authorization": f"Bearer {r.json()['token']}"}

    def post(self, path: str, body: dict) -> dict:
        r = httpx.post(self.base + path, json=body, headers=self.headers, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def status(self, execution_id: str) -> str:
        r = httpx.get(f"{self.base}/api/workflows/executions/{execution_id}/status", headers=self.headers, timeout=10)
        return r.json()["status"]


def approval_doc(name: str) -> dict:
    return {"name": name, "edges": [{"id": "e1", "source": "t", "target": "a"}], "nodes": [
        {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "a", "type": "action", "position": {"x": 0, "y": 150},
         "data": {"label": "Approve", "type": "action",
                  "config": {"actionType": "Request Approval", "title": "Budget", "approvers": APPROVER}}}]}


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' | ' + v.nodes.slice(0, 3)
                 .map(n => n.target.join(' ')).join(' ; '));
    }""")
    return list(result)


def wait_builder(page) -> None:
    page.locator('#builder[data-phase="ready"]').wait_for()


def new_workflow(page, base_url: str, name: str) -> str:
    page.goto(f"{base_url}/workflows")
    page.click("#new-workflow")
    page.fill("#create-form-name", name)
    page.click("#create-form-submit")
    page.wait_for_url(re.compile(r".*/workflows/[0-9a-f-]{36}$"))
    wait_builder(page)
    return page.url.rsplit("/", 1)[1]


def node_el(page, label: str):
    return page.locator(".react-flow__node").filter(has=page.locator(".wv-bn-label", has_text=re.compile(
        f"^{re.escape(label)}$")))


def select_by_keyboard(page, label: str) -> None:
    """Focus a step on the canvas and press Enter (React Flow's selection key)."""
    node_el(page, label).focus()
    page.keyboard.press("Enter")
    page.locator("#node-label").and_(page.locator(f'[value="{label}"]')).wait_for()


def test_every_page_has_no_serious_accessibility_violation(base, page):
    """Defect 6: axe-core on each page a user reaches (the builder with a step's panel open)."""
    api = Api(base)
    name = f"Axe {uuid.uuid4().hex[:6]}"
    wf = api.post("/api/workflows", approval_doc(name))["id"]
    execution_id = api.post(f"/api/workflow/{wf}/execute", {"input": {}})["executionId"]
    wait_for(lambda: api.status(execution_id) == "paused", "the approval to wait")
    found: dict[str, list[str]] = {}
    page.goto(f"{base}/login")
    page.locator("#sign-in").wait_for()
    found["/login"] = serious_violations(page)
    sign_in(page, base, USER, PASSWORD)
    pages = [("/workflows", ".wf-row"), (f"/workflows/{wf}", '#builder[data-phase="ready"]'),
             ("/workflows/executions", "#executions-list"), (f"/workflows/executions/{execution_id}", "#viewer-ready"),
             ("/workflows/approvals", "#approvals-inbox"), ("/settings/api-keys", "#settings-tabs"),
             ("/settings/integrations", "#settings-tabs"), ("/no/such/page", "#not-found")]
    for path, ready in pages:
        page.goto(base + path)
        page.locator(ready).first.wait_for()
        if path in (f"/workflows/{wf}", f"/workflows/executions/{execution_id}"):  # titles name the workflow
            wait_for(lambda: name in page.title(), f"the title of {path} to name the workflow")
        if path == f"/workflows/{wf}":
            node_el(page, "Approve").locator(".wv-bn-head").click()
            page.locator("#node-panel").wait_for()
        page.wait_for_timeout(300)
        found[path] = serious_violations(page)
        page.screenshot(path=str(ARTIFACTS / f"axe{path.replace('/', '-')}.png"))
    failing = {path: v for path, v in found.items() if v}
    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(failing, indent=2))
    assert not failing, json.dumps(failing, indent=1)


def test_build_with_the_keyboard_only(base, page):
    """Defect 6: palette search + Enter, focusable palette items, the reference picker's arrows
    and Enter, "Connect to…", and fields named by their labels."""
    sign_in(page, base, USER, PASSWORD)
    new_workflow(page, base, f"Keyboard {uuid.uuid4().hex[:6]}")
    select_by_keyboard(page, "Trigger")
    page.focus("#palette-search")
    page.keyboard.type("condit")
    page.keyboard.press("Enter")
    node_el(page, "Condition").wait_for()
    condition = page.get_by_label("Condition", exact=True)  # the field's caption is its label
    condition.wait_for()
    assert condition.get_attribute("id") == "cfg-condition"
    page.focus("#ref-condition")
    page.keyboard.press("Enter")
    page.locator(".wv-ref-pop").wait_for()
    page.keyboard.press("ArrowDown")  # the trigger's whole output, then its first field
    page.keyboard.press("Enter")
    wait_for(lambda: "{{Trigger" in page.locator("#cfg-condition").input_value(), "the reference to be inserted")
    page.fill("#palette-search", "")
    http = page.locator('[data-palette-type="HTTP Request"]')
    http.focus()
    page.keyboard.press("Enter")  # adds it after the selected Condition
    node_el(page, "HTTP Request").wait_for()
    edges = page.locator(".react-flow__edge").count()
    select_by_keyboard(page, "Condition")
    page.locator("#connect-to").focus()
    page.keyboard.press("Enter")
    page.get_by_role("option", name="false → HTTP Request").wait_for()
    page.keyboard.press("Enter")
    wait_for(lambda: page.locator(".react-flow__edge").count() == edges + 1, "the new connection")
    page.locator(".wv-next-step", has_text="false → HTTP Request").wait_for()
    page.screenshot(path=str(ARTIFACTS / "keyboard-builder.png"))


def test_clearing_the_workflow_name_says_so_and_shows_the_kept_name(base, page):
    """Defect 7: the field stayed empty while the old name was kept silently."""
    sign_in(page, base, USER, PASSWORD)
    name = f"Named {uuid.uuid4().hex[:6]}"
    new_workflow(page, base, name)
    page.fill("#workflow-name", "")
    page.press("#workflow-name", "Tab")
    page.get_by_text("A workflow needs a name").wait_for()
    wait_for(lambda: page.locator("#workflow-name").input_value() == name, "the kept name in the field")


def test_a_draft_edited_in_two_tabs_is_never_overwritten_silently(base, new_page):
    """Defect 4: the second tab's autosave undid the first tab's edit."""
    first, second = new_page(), new_page()
    sign_in(first, base, USER, PASSWORD)
    workflow_id = new_workflow(first, base, f"Two tabs {uuid.uuid4().hex[:6]}")
    sign_in(second, base, USER, PASSWORD)
    second.goto(f"{base}/workflows/{workflow_id}")
    wait_builder(second)
    first.click('[data-palette-type="Sleep"]')
    node_el(first, "Sleep").wait_for()
    first.locator('#save-state[data-state="saved"]').wait_for(timeout=10000)
    second.click('[data-palette-type="Condition"]')  # this tab still shows the draft without Sleep
    second.locator("#stale-dialog").wait_for(timeout=10000)
    assert second.locator('#save-state[data-state="stale"]').count() == 1
    second.click("#stale-reload")
    node_el(second, "Sleep").wait_for()
    assert node_el(second, "Condition").count() == 0


def test_delete_warns_about_waiting_executions_and_deletes(base, page):
    """Defect 1: the delete failed ("An error occurred") once an approval had been requested."""
    api = Api(base)
    name = f"Waiting {uuid.uuid4().hex[:6]}"
    wf = api.post("/api/workflows", approval_doc(name))["id"]
    execution_id = api.post(f"/api/workflow/{wf}/execute", {"input": {}})["executionId"]
    wait_for(lambda: api.status(execution_id) == "paused", "the approval to wait")
    sign_in(page, base, USER, PASSWORD)
    row = page.locator(".wf-row").filter(has_text=name)
    for _ in range(5):
        row.locator(".wf-actions").click()
        try:
            page.locator(".wf-delete").wait_for(timeout=2000)
            break
        except Exception:  # noqa: BLE001 - the list re-rendered under the click
            page.keyboard.press("Escape")
    page.click(".wf-delete")
    warning = page.locator("#delete-open-runs")
    warning.wait_for()
    assert "1 execution is still running or waiting" in warning.inner_text() and "cancels" in warning.inner_text()
    page.screenshot(path=str(ARTIFACTS / "delete-warning.png"))
    page.click("#confirm-delete")
    row.wait_for(state="detached")
    assert page.get_by_text("An error occurred").count() == 0


def test_small_defects(base, page):
    """Defect 8: favicon, a 404 with navigation, "1 problem", a newcomer's empty executions list,
    From after To, and (improvement 8) the navigation's active item."""
    assert httpx.get(f"{base}/favicon.ico", timeout=10).status_code == 200
    sign_in(page, base, NEWCOMER, PASSWORD)
    page.goto(f"{base}/workflows/executions")
    page.locator("#executions-empty").wait_for()
    assert "No executions yet" in page.locator("#executions-empty").inner_text()
    assert page.locator('a[aria-current="page"]').get_attribute("href") == "/workflows/executions"
    page.click("#filter-range")
    page.get_by_role("option", name="Between dates…").click()
    page.get_by_label("From").fill("2026-03-10")
    page.get_by_label("To").fill("2026-03-01")
    page.locator("#range-error").wait_for()
    page.goto(f"{base}/no/such/page")
    page.locator("#not-found").wait_for()
    assert page.get_by_role("link", name="Workflows").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "not-found.png"))
    new_workflow(page, base, f"Problems {uuid.uuid4().hex[:6]}")
    node_el(page, "Trigger").locator(".wv-bn-head").click()
    page.click('[data-palette-type="Condition"]')  # its condition is required and empty
    page.locator("#problems-button", has_text=re.compile(r"^\s*1 problem\s*$")).wait_for()
    assert page.locator('a[aria-current="page"]').get_attribute("href") == "/workflows"
