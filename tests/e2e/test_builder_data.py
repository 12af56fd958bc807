"""Step data in the builder, as a user does it (issue 17, improvements 1 and 2): run the workflow,
click a step and read its output, test one step, pin the trigger's sample input, pick a field that
came from the run in the reference picker; approvers picked from the users that exist and problems
under their field; the Schedule trigger's last failed fire. Each screen passes axe."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS, api_login, sign_in, wait_for
from tests.e2e.test_ux import serious_violations
from wayvo_app.services import accounts
from wayvo_app.services.schedules import fire_due_schedules
from wayvo_app.store import db
from wayvo_app.store.models import Execution

pytestmark = pytest.mark.e2e
USER = "data-builder"
APPROVER = "data-approver"
PASSWORD = "wayvo-demo"


@pytest.fixture(scope="module")
def base(app_server) -> str:
    with db.session(app_server["db_url"]) as s:
        for name, display, roles in ((USER, "Dana Data", ["admin"]), (APPROVER, "Abe Approver", ["finance"])):
            if accounts.find_user(s, name) is None:
                accounts.create_user(s, name, PASSWORD, roles=roles, display_name=display)
    return app_server["url"]


def _node(node_id: str, label: str, y: int, **config) -> dict:
    kind = "trigger" if node_id == "t" else "action"
    return {"id": node_id, "type": kind, "position": {"x": 0, "y": y},
            "data": {"label": label, "type": kind, "config": config}}


def _create(base: str, doc: dict, publish: bool = False) -> str:
    headers = api_login(base, USER, PASSWORD)
    r = httpx.post(f"{base}/api/workflows", json=doc, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    workflow_id = r.json()["id"]
    if publish:
        r = httpx.post(f"{base}/api/workflows/{workflow_id}/publish", headers=headers, timeout=10)
        assert r.status_code == 200, r.text
    return workflow_id


def node_el(page, label: str):
    return page.locator(".react-flow__node").filter(has=page.locator(".wv-bn-label", has_text=re.compile(
        f"^{re.escape(label)}$")))


def select_node(page, label: str) -> None:
    node_el(page, label).locator(".wv-bn-head").click()
    page.locator("#node-label").and_(page.locator(f'[value="{label}"]')).wait_for()


def open_builder(page, base: str, workflow_id: str) -> None:
    page.goto(f"{base}/workflows/{workflow_id}")
    page.locator('#builder[data-phase="ready"]').wait_for()


def no_axe_violation(page, what: str) -> None:
    found = serious_violations(page)
    assert not found, f"{what}: {json.dumps(found, indent=1)}"


def test_run_click_a_step_see_its_data_test_it_and_pick_a_field_from_the_run(base, page):
    tag = uuid.uuid4().hex[:6]
    doc = {"name": f"Step data {tag}", "edges": [{"id": "e1", "source": "t", "target": "c"},
                                               {"id": "e2", "source": "c", "target": "d", "sourceHandle": "true"}],
           "nodes": [_node("t", "Trigger", 0, triggerType="Manual"),
                     _node("c", "Check", 150, actionType="Condition", condition="{{Trigger.amount}} > 100"),
                     _node("d", "Decide", 300, actionType="Condition", condition="true")]}
    workflow_id = _create(base, doc)
    sign_in(page, base, USER, PASSWORD)
    open_builder(page, base, workflow_id)

    # Before any run: the empty state says how to get data.
    select_node(page, "Check")
    assert "Run the workflow to see this step's data" in page.locator("#step-data-empty").inner_text()

    # Run it; click the step on the canvas: its input and output from that run.
    page.click("#run-button")
    page.fill("#run-input", json.dumps({"orderId": f"A-{tag}", "amount": 250, "customer": {"name": "Ada"}}))
    page.click("#run-start")
    page.locator('#run-result[data-status="success"]').wait_for(timeout=30000)
    select_node(page, "Check")  # selected before the run: the click opens its panel again
    page.locator('#step-data[data-has="true"]').wait_for()
    assert "From the last run" in page.locator("#step-data").inner_text()
    output = page.locator("#step-data-output pre")
    assert json.loads(output.inner_text()) == {"result": True}
    page.locator("#step-data-input summary").click()
    assert '"condition"' in page.locator("#step-data-input pre").inner_text()
    no_axe_violation(page, "the builder with step data")
    page.locator("#side-panel").screenshot(path=str(ARTIFACTS / "builder-step-data-panel.png"))
    page.screenshot(path=str(ARTIFACTS / "builder-step-data.png"))  # docs/screenshots/ holds a copy

    # The trigger shows the input the run started with.
    select_node(page, "Trigger")
    assert json.loads(page.locator("#step-data-output pre").inner_text())["customer"] == {"name": "Ada"}

    # "Test this step": the changed condition runs alone against the run's data.
    select_node(page, "Check")
    page.fill("#cfg-condition", "{{Trigger.amount}} > 1000")
    page.click("#test-step")
    page.locator("#step-data", has_text="From a test of this step").wait_for(timeout=20000)
    assert json.loads(page.locator("#step-data-output pre").inner_text()) == {"result": False}

    # The picker of a later step offers the run's fields with their values; pick one.
    select_node(page, "Decide")
    page.fill("#cfg-condition", "")
    page.locator('.wv-field[data-key="condition"]').evaluate("e => e.scrollIntoView({block: 'start'})")
    page.click("#cfg-condition")
    page.click("#ref-condition")
    item = page.locator('.wv-ref-item[data-insert="{{Trigger.customer.name}}"]')
    item.wait_for()
    assert '"Ada"' not in item.inner_text() and "Ada" in item.inner_text()
    assert "from the last run" in page.locator(".wv-ref-pop").inner_text()
    assert '{"name": "Ada"}' in page.locator('.wv-ref-item[data-insert="{{Trigger.customer}}"]').inner_text()
    no_axe_violation(page, "the reference picker")
    page.screenshot(path=str(ARTIFACTS / "builder-picker.png"))  # docs/screenshots/ holds a copy
    item.click()
    wait_for(lambda: page.locator("#cfg-condition").input_value() == "{{Trigger.customer.name}}",
             "the picked reference in the field")


def test_a_pinned_sample_feeds_a_step_test_before_any_run(base, app_server, page):
    tag = uuid.uuid4().hex[:6]
    doc = {"name": f"Pinned {tag}", "edges": [{"id": "e1", "source": "t", "target": "c"}],
           "nodes": [_node("t", "Trigger", 0, triggerType="Manual"),
                     _node("c", "Check", 150, actionType="Condition", condition="{{Trigger.amount}} > 100")]}
    workflow_id = _create(base, doc)
    sign_in(page, base, USER, PASSWORD)
    open_builder(page, base, workflow_id)
    select_node(page, "Trigger")
    page.locator("#step-data summary", has_text="Pin a sample input").click()
    page.fill("#pin-input", "[1]")
    page.click("#pin-save")
    page.locator("#pin-error", has_text="JSON object").wait_for()
    page.fill("#pin-input", json.dumps({"amount": 500}))
    page.click("#pin-save")
    page.locator("#step-data", has_text="Pinned sample input").wait_for()
    select_node(page, "Check")
    page.click("#test-step")
    page.locator("#step-data", has_text="From a test of this step").wait_for(timeout=20000)
    assert json.loads(page.locator("#step-data-output pre").inner_text()) == {"result": True}
    with db.read_session(app_server["db_url"]) as s:  # a test of a step is no execution
        assert s.exec(select(Execution).where(Execution.workflow_id == workflow_id)).first() is None


def test_approvers_are_picked_from_users_and_problems_show_under_their_field(base, page):
    tag = uuid.uuid4().hex[:6]
    doc = {"name": f"Approvers {tag}", "edges": [{"id": "e1", "source": "t", "target": "a"}],
           "nodes": [_node("t", "Trigger", 0, triggerType="Manual"),
                     _node("a", "Approve", 150, actionType="Request Approval", title="Budget", approvers="alcie"),
                     _node("h", "Orphan", 300, actionType="HTTP Request", endpoint="https://example.com",
                           httpMethod="GET", httpHeaders="{bad")]}
    workflow_id = _create(base, doc)
    sign_in(page, base, USER, PASSWORD)
    open_builder(page, base, workflow_id)
    select_node(page, "Approve")
    problem = page.locator("#problem-approvers")
    problem.wait_for()
    assert problem.inner_text() == 'Approver "alcie" is not a user'
    page.fill("#cfg-approvers", "")
    page.locator("#pick-approvers .wv-combo-trigger").click()
    page.locator("#pick-approvers .wv-combo-search").fill("abe")
    page.locator("#pick-approvers .wv-combo-opt", has_text="Abe Approver").click()
    wait_for(lambda: page.locator("#cfg-approvers").input_value() == APPROVER, "the picked approver")
    page.locator("#pick-approverRoles .wv-combo-trigger").click()
    page.locator("#pick-approverRoles .wv-combo-opt", has_text="finance").click()
    wait_for(lambda: page.locator("#cfg-approverRoles").input_value() == "finance", "the picked role")
    problem.wait_for(state="detached")
    no_axe_violation(page, "the approval step's panel")
    select_node(page, "Orphan")
    assert page.locator("#problem-httpHeaders").inner_text().startswith("Headers is not valid JSON")
    assert "This step is not connected to the trigger" in page.locator("#node-problems").inner_text()
    page.locator("#problem-httpHeaders").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "builder-field-problems.png"))
    page.click("#problems-button")
    listed = page.locator("#problems-list").inner_text()
    assert '"Orphan"' in listed and "(h)" not in listed


def test_the_schedule_trigger_shows_its_last_failed_fire(base, app_server, page):
    tag = uuid.uuid4().hex[:6]
    doc = {"name": f"Nightly {tag}", "edges": [{"id": "e1", "source": "t", "target": "c"}],
           "nodes": [_node("t", "Trigger", 0, triggerType="Schedule", scheduleCron="*/5 * * * *"),
                     _node("c", "Tick", 150, actionType="Condition", condition="true", integrationId="gone")]}
    workflow_id = _create(base, doc, publish=True)
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    fire_due_schedules(now, app_server["db_url"])
    sign_in(page, base, USER, PASSWORD)
    open_builder(page, base, workflow_id)
    select_node(page, "Trigger")
    failure = page.locator("#schedule-failure")
    failure.wait_for()
    assert "Schedule could not start this run" in failure.inner_text()
    href = page.locator("#schedule-failure-link").get_attribute("href")
    assert re.fullmatch(r"/workflows/executions/[0-9a-f-]{36}", href)
    no_axe_violation(page, "the Schedule trigger's panel")
    failure.scroll_into_view_if_needed()
    page.locator("#side-panel").screenshot(path=str(ARTIFACTS / "builder-schedule-failure.png"))
    page.click("#schedule-failure-link")
    page.wait_for_url(f"**{href}")


def test_structured_editors_headers_as_rows_condition_as_field_operator_value_and_a_preview(base, page):
    tag = uuid.uuid4().hex[:6]
    doc = {"name": f"Editors {tag}", "edges": [{"id": "e1", "source": "t", "target": "c"},
                                             {"id": "e2", "source": "c", "target": "h", "sourceHandle": "true"}],
           "nodes": [_node("t", "Trigger", 0, triggerType="Manual"),
                     _node("c", "Check", 150, actionType="Condition", condition="{{Trigger.amount}} > 100"),
                     _node("h", "Call", 300, actionType="HTTP Request", endpoint="https://example.com/{{Trigger.id}}",
                           httpMethod="GET", httpHeaders='{"Accept": "application/json"}')]}
    workflow_id = _create(base, doc)
    sign_in(page, base, USER, PASSWORD)
    open_builder(page, base, workflow_id)
    select_node(page, "Trigger")
    page.locator("#step-data summary", has_text="Pin a sample input").click()
    page.fill("#pin-input", json.dumps({"id": "A-7", "amount": 50}))
    page.click("#pin-save")
    page.locator("#step-data", has_text="Pinned sample input").wait_for()

    # The Condition as field ▸ operator ▸ value; the text follows, and the preview evaluates it.
    select_node(page, "Check")
    page.locator("#preview-condition", has_text="false").wait_for()
    page.click("#toggle-condition")
    assert page.locator("#cond-field").input_value() == "{{Trigger.amount}}"
    page.fill("#cond-value", "10")
    page.locator("#preview-condition", has_text="true").wait_for()
    page.click("#cond-op")
    page.get_by_role("option", name="less than", exact=True).click()
    page.locator("#cond-rows code", has_text="{{Trigger.amount}} < 10").wait_for()
    no_axe_violation(page, "the condition builder")
    page.click("#toggle-condition")
    assert page.locator("#cfg-condition").input_value() == "{{Trigger.amount}} < 10"

    # Headers as name/value rows (the JSON text a click away); a template previews with the data.
    select_node(page, "Call")
    page.locator("#preview-endpoint", has_text="https://example.com/A-7").wait_for()
    rows = page.locator("#kv-httpHeaders .wv-kv-row")
    assert rows.count() == 1 and rows.locator("input").first.input_value() == "Accept"
    page.click("#add-httpHeaders")
    rows.nth(1).locator("input").first.fill("X-Order")
    rows.nth(1).locator("input").nth(1).fill("{{Trigger.id}}")
    page.locator('#save-state[data-state="saved"]').wait_for(timeout=10000)
    no_axe_violation(page, "the name/value rows")
    page.screenshot(path=str(ARTIFACTS / "builder-structured-editors.png"))
    page.click("#toggle-httpHeaders")
    assert json.loads(page.locator("#cfg-httpHeaders").input_value()) == {"Accept": "application/json",
                                                                          "X-Order": "{{Trigger.id}}"}
