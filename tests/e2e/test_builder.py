"""The workflow builder in Chromium: the workflows page's actions, building the product document's
order-approval workflow from an empty canvas (palette, connect, fields, reference picker), publish,
run and the paused approval; editing (undo/redo, delete, rename, duplicate); import and export;
validation problems of a broken workflow."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, api_login, sign_in, wait_for
from wayvo_app.demo_workflows import ORDER_APPROVAL
from wayvo_app.services import accounts
from wayvo_app.store import db

pytestmark = pytest.mark.e2e
USER = "builder"  # users of their own: the other browser tests expect the demo users' lists empty
APPROVER = "builder-approver"
PASSWORD = "wayvo-demo"


@pytest.fixture(scope="module")
def users(app_server):
    with db.session(app_server["db_url"]) as s:
        for name, display in ((USER, "Bea Builder"), (APPROVER, "Arno Approver")):
            if accounts.find_user(s, name) is None:
                accounts.create_user(s, name, PASSWORD, roles=["admin"], display_name=display)
    return app_server["url"]


def node_el(page, label: str):
    return page.locator(".react-flow__node").filter(has=page.locator(".wv-bn-label", has_text=re.compile(
        f"^{re.escape(label)}$")))


def wait_saved(page) -> None:
    page.locator('#save-state[data-state="saved"]').wait_for(timeout=10000)


def open_new_workflow(page, base: str, name: str) -> str:
    page.goto(f"{base}/workflows")
    page.click("#new-workflow")
    page.fill("#create-form-name", name)
    page.click("#create-form-submit")
    page.wait_for_url(re.compile(r".*/workflows/[0-9a-f-]{36}$"))
    page.locator('#builder[data-phase="ready"]').wait_for()
    return page.url.rsplit("/", 1)[1]


def select_node(page, label: str) -> None:
    node_el(page, label).locator(".wv-bn-head").click()
    page.locator("#node-label").and_(page.locator(f'[value="{label}"]')).wait_for()


def set_label(page, label: str) -> None:
    page.fill("#node-label", label)
    page.press("#node-label", "Tab")
    node_el(page, label).wait_for()


def insert_reference(page, key: str, insert: str) -> None:
    page.click(f"#ref-{key}")
    page.locator(f'.wv-ref-item[data-insert="{insert}"]').click()


def row_menu(page, name: str, action: str) -> None:
    """Opens a row's menu (again, if a re-render of the list closed it) and picks `action`."""
    item = page.locator(f".wf-{action}")
    for _ in range(5):
        page.locator(".wf-row").filter(has_text=name).first.locator(".wf-actions").click()
        try:
            item.wait_for(timeout=2000)
            break
        except Exception:  # noqa: BLE001 - the list re-rendered under the click
            page.keyboard.press("Escape")
    item.click()


def test_workflows_page_create_rename_duplicate_delete(users, page):
    base, tag = users, uuid.uuid4().hex[:6]
    sign_in(page, base, USER, PASSWORD)
    workflow_id = open_new_workflow(page, base, f"Routes {tag}")
    assert page.locator(".react-flow__node").count() == 1  # a new workflow: the trigger alone
    node_el(page, "Trigger").wait_for()
    page.goto(f"{base}/workflows")
    row_menu(page, f"Routes {tag}", "rename")
    page.fill("#rename-form-name", f"Renamed {tag}")
    page.click("#rename-form-submit")
    page.locator(".wf-row").filter(has_text=f"Renamed {tag}").wait_for()
    row_menu(page, f"Renamed {tag}", "duplicate")
    page.locator(".wf-row").filter(has_text=f"Renamed {tag} (copy)").wait_for()
    row = page.locator(".wf-row").filter(has_text=f"Renamed {tag}").first
    assert "draft" in row.inner_text()
    row_menu(page, f"Renamed {tag} (copy)", "delete")
    assert f"Renamed {tag} (copy)" in page.locator("[role=alertdialog]").inner_text()
    page.click("#confirm-delete")
    page.locator(".wf-row").filter(has_text=f"Renamed {tag} (copy)").wait_for(state="detached")
    assert page.locator(".wf-row").filter(has_text=f"Renamed {tag}").count() == 1
    # The builder's dynamic route does not shadow the static pages under /workflows.
    page.goto(f"{base}/workflows/executions")
    page.locator("#executions-list").wait_for()
    page.goto(f"{base}/workflows/approvals")
    page.locator("#approvals-inbox").wait_for()
    page.goto(f"{base}/workflows/{workflow_id}/executions")
    page.locator("#executions-list").wait_for()
    assert page.locator("#builder").count() == 0
    page.goto(f"{base}/workflows/{uuid.uuid4()}")
    page.locator("#builder-missing").wait_for()


def _schema_field(page, index: int, name: str, kind: str) -> None:
    page.locator('.wv-field[data-key="inputSchema"] .wv-add-row').click()
    row = page.locator(".wv-schema-row").nth(index)
    row.locator("input").first.fill(name)
    row.locator("input").first.press("Tab")
    if kind != "string":
        row.locator("button[role=combobox]").click()
        page.get_by_role("option", name=kind, exact=True).click()


def _execution(base: str, headers: dict, execution_id: str) -> dict:
    r = httpx.get(f"{base}/api/workflows/executions/{execution_id}", headers=headers, timeout=10)
    r.raise_for_status()
    return r.json()


def test_build_the_order_approval_workflow_publish_and_run_it(users, page):
    base, tag = users, uuid.uuid4().hex[:6]
    sign_in(page, base, USER, PASSWORD)
    workflow_id = open_new_workflow(page, base, f"Order approval {tag}")

    # The trigger's input schema: the fields the reference picker will offer.
    select_node(page, "Trigger")
    _schema_field(page, 0, "orderId", "string")
    _schema_field(page, 1, "amount", "number")
    _schema_field(page, 2, "customerEmail", "string")
    wait_saved(page)

    # [Trigger] → [Process Order]: a Condition added from the palette after the selected trigger.
    page.click('[data-palette-type="Condition"]')
    node_el(page, "Condition").wait_for()
    set_label(page, "Process Order")
    page.click("#cfg-condition")
    insert_reference(page, "condition", "{{Trigger.amount}}")
    page.locator("#cfg-condition").press("End")
    page.locator("#cfg-condition").type(" > 0")
    page.locator('.wv-field[data-key="condition"] .wv-ref-chip', has_text="Trigger › amount").wait_for()

    # → [Request Approval] on the true branch.
    page.click('[data-palette-type="Request Approval"]')
    node_el(page, "Request Approval").wait_for()
    page.fill("#cfg-title", "Approve order ")
    page.locator("#cfg-title").press("End")
    insert_reference(page, "title", "{{Trigger.orderId}}")
    page.fill("#cfg-approvers", APPROVER)
    page.click("#cfg-approvalType")
    page.get_by_role("option", name="Any (first approval wins)").click()
    page.fill("#cfg-expiresIn", "7d")

    # → [Send Confirmation] on the approved branch.
    page.click('[data-palette-type="Send Email"]')
    node_el(page, "Send Email").wait_for()
    set_label(page, "Send Confirmation")
    page.click("#cfg-to")
    insert_reference(page, "to", "{{Trigger.customerEmail}}")
    page.fill("#cfg-subject", "Your order is confirmed")
    page.fill("#cfg-body", "Approved: ")
    page.locator("#cfg-body").press("End")
    insert_reference(page, "body", "{{Request Approval.decision}}")

    # A rejection email dragged onto the canvas and connected by hand to the rejected handle.
    page.locator('[data-palette-type="Send Email"]').drag_to(page.locator("#builder-canvas"),
                                                               target_position={"x": 560, "y": 640})
    node_el(page, "Send Email").wait_for()
    set_label(page, "Send Rejection")
    page.click("#cfg-to")
    insert_reference(page, "to", "{{Trigger.customerEmail}}")
    page.fill("#cfg-subject", "Your order was declined")
    page.fill("#cfg-body", "Sorry.")
    page.click(".react-flow__controls-fitview")
    approval = node_el(page, "Request Approval")
    approval.locator('.react-flow__handle[data-handleid="rejected"]').drag_to(
        node_el(page, "Send Rejection").locator(".react-flow__handle.target"))
    wait_for(lambda: page.locator(".react-flow__edge").count() == 4, "the drawn connection")

    wait_saved(page)
    page.locator("#problems-button", has_text="Valid").wait_for()
    edges = {(e["source"], e["target"], e.get("sourceHandle")) for e in _document(base, workflow_id)["edges"]}
    labels = {n["id"]: n["data"]["label"] for n in _document(base, workflow_id)["nodes"]}
    named = {(labels[s], labels[t], h) for s, t, h in edges}
    assert named == {("Trigger", "Process Order", None), ("Process Order", "Request Approval", "true"),
                     ("Request Approval", "Send Confirmation", "approved"),
                     ("Request Approval", "Send Rejection", "rejected")}

    # Publish → version 1.
    page.click("#publish-button")
    page.locator("#workflow-status", has_text="Published v1").wait_for()
    page.click("#tab-versions")
    page.locator(".wv-version").first.wait_for()

    # Run with an input; the canvas shows the approval paused.
    page.click("#run-button")
    page.locator("#run-input").wait_for()
    assert json.loads(page.locator("#run-input").input_value()) == {"orderId": "", "amount": 0, "customerEmail": ""}
    page.fill("#run-input", json.dumps({"orderId": f"A-{tag}", "amount": 250, "customerEmail": "c@example.com"}))
    page.click("#run-start")
    page.locator('#run-result[data-status="paused"]').wait_for(timeout=20000)
    node_el(page, "Request Approval").and_(page.locator(".wv-paused")).wait_for()
    node_el(page, "Process Order").and_(page.locator(".wv-success")).wait_for()
    href = page.locator("#open-run").get_attribute("href")
    execution_id = href.rsplit("/", 1)[1]
    details = _execution(base, _headers(base), execution_id)
    assert details["status"] == "paused"
    step = next(s for s in details["steps"] if s["label"] == "Request Approval")
    assert step["status"] == "paused"  # the product document's node status (issue 16, item 12)
    approvals = httpx.get(f"{base}/api/workflow/approvals?status=pending", headers=api_login(base, APPROVER),
                          timeout=10).json()
    assert any(a["title"] == f"Approve order A-{tag}" and a["executionId"] == execution_id for a in approvals)

    page.screenshot(path=str(ARTIFACTS / "builder-run-paused.png"))
    # The run's input is remembered for the next run, and the viewer opens from the link.
    page.click("#run-button")
    assert json.loads(page.locator("#run-input").input_value())["orderId"] == f"A-{tag}"
    page.keyboard.press("Escape")
    page.click("#open-run")
    page.wait_for_url(f"**/workflows/executions/{execution_id}")
    page.locator('#viewer-ready[data-status="paused"]').wait_for()


def _headers(base: str) -> dict:
    return api_login(base, USER, PASSWORD)


def _document(base: str, workflow_id: str) -> dict:
    r = httpx.get(f"{base}/api/workflows/{workflow_id}", headers=_headers(base), timeout=10)
    r.raise_for_status()
    return r.json()


def test_editing_undo_redo_delete_duplicate_rename_and_layout(users, page):
    base, tag = users, uuid.uuid4().hex[:6]
    sign_in(page, base, USER, PASSWORD)
    workflow_id = open_new_workflow(page, base, f"Editing {tag}")
    select_node(page, "Trigger")
    page.click('[data-palette-type="HTTP Request"]')
    node_el(page, "HTTP Request").wait_for()
    page.fill("#cfg-endpoint", "https://shop.example/orders")
    page.click('[data-palette-type="Condition"]')
    node_el(page, "Condition").wait_for()
    page.click("#cfg-condition")
    insert_reference(page, "condition", "{{HTTP Request.status}}")
    page.locator("#cfg-condition").press("End")
    page.locator("#cfg-condition").type(" == 200")
    wait_saved(page)

    # Renaming a step rewrites the references to it.
    select_node(page, "HTTP Request")
    set_label(page, "Fetch order")
    select_node(page, "Condition")
    assert page.locator("#cfg-condition").input_value() == "{{Fetch order.status}} == 200"

    # Undo and redo, with the buttons and with the keyboard (outside inputs).
    page.click("#undo")
    node_el(page, "HTTP Request").wait_for()
    page.click("#redo")
    node_el(page, "Fetch order").wait_for()
    page.click(".react-flow__pane")
    page.keyboard.press("Control+z")
    node_el(page, "HTTP Request").wait_for()
    page.keyboard.press("Control+Shift+z")
    node_el(page, "Fetch order").wait_for()

    # Duplicate (Ctrl+D) and delete (the Delete key); the trigger cannot be deleted.
    select_node(page, "Condition")
    page.click(".react-flow__pane")
    node_el(page, "Condition").locator(".wv-bn-head").click()
    page.keyboard.press("Control+d")
    node_el(page, "Condition 2").wait_for()
    node_el(page, "Condition 2").locator(".wv-bn-head").click()
    page.keyboard.press("Delete")
    node_el(page, "Condition 2").wait_for(state="detached")
    page.click(".react-flow__controls-fitview")
    node_el(page, "Trigger").locator(".wv-bn-head").click()
    page.keyboard.press("Delete")
    page.wait_for_timeout(300)
    assert node_el(page, "Trigger").count() == 1

    # Auto-layout moves the nodes and saves their positions; a reload shows the saved draft.
    before = {n["id"]: n["position"] for n in _document(base, workflow_id)["nodes"]}
    page.click("#auto-layout")
    wait_for(lambda: {n["id"]: n["position"] for n in _document(base, workflow_id)["nodes"]} != before,
             "the laid-out positions to be saved")
    wait_saved(page)
    page.reload()
    page.locator('#builder[data-phase="ready"]').wait_for()
    assert page.locator(".react-flow__node").count() == 3
    node_el(page, "Fetch order").wait_for()
    saved = _document(base, workflow_id)
    condition = next(n for n in saved["nodes"] if n["data"]["label"] == "Condition")
    assert condition["data"]["config"]["condition"] == "{{Fetch order.status}} == 200"

    # Publish, change the draft, then restore version 1 from the Versions tab.
    page.click("#publish-button")
    page.locator("#workflow-status", has_text="Published v1").wait_for()
    select_node(page, "Condition")
    page.click("#delete-node")
    node_el(page, "Condition").wait_for(state="detached")
    page.locator("#workflow-status", has_text="draft ahead").wait_for()
    page.click("#tab-versions")
    page.locator(".wv-version", has_text="v1").locator(".wv-restore").click()
    node_el(page, "Condition").wait_for()
    wait_for(lambda: len(_document(base, workflow_id)["nodes"]) == 3, "the restored draft to be saved")


def test_a_dragged_node_is_saved_once_on_drop(users, page):
    base, tag = users, uuid.uuid4().hex[:6]
    sign_in(page, base, USER, PASSWORD)
    workflow_id = open_new_workflow(page, base, f"Drag {tag}")
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.reload()
    page.locator('#builder[data-phase="ready"]').wait_for()
    box = node_el(page, "Trigger").bounding_box()
    sent.clear()
    page.mouse.move(box["x"] + 40, box["y"] + 15)
    page.mouse.down()
    for step in range(1, 31):
        page.mouse.move(box["x"] + 40 + step * 5, box["y"] + 15 + step * 4)
        page.wait_for_timeout(16)  # about one frame per move, as a hand would
    page.mouse.up()
    position = wait_for(lambda: (p := _document(base, workflow_id)["nodes"][0]["position"])["x"] > 0 and p,
                        "the dropped position to be saved")
    assert position["x"] > 100 and position["y"] > 80
    page.wait_for_timeout(300)  # the sync API delivers websocket frame events during its own calls
    events = [f for f in sent if "nodes_moved" in str(f)]
    assert len(events) == 1, f"{len(events)} move events for one drag: {[str(f)[100:200] for f in sent]}"


def test_import_and_export_round_trip(users, page, tmp_path):
    base, tag = users, uuid.uuid4().hex[:6]
    sign_in(page, base, USER, PASSWORD)
    original = {**json.loads(json.dumps(ORDER_APPROVAL)), "name": f"Imported {tag}"}
    for node in original["nodes"]:  # approvers of this test's own, not the demo users
        if node["data"]["config"].get("approvers"):
            node["data"]["config"]["approvers"] = APPROVER
    page.goto(f"{base}/workflows")
    page.click("#import-workflow")
    page.fill("#import-json", json.dumps(original))
    page.click("#import-pasted")
    page.wait_for_url(re.compile(r".*/workflows/[0-9a-f-]{36}$"))
    page.locator('#builder[data-phase="ready"]').wait_for()
    wait_for(lambda: page.locator(".react-flow__node").count() == len(original["nodes"]), "the imported nodes")
    assert page.locator(".react-flow__edge").count() == len(original["edges"])

    page.goto(f"{base}/workflows")
    with page.expect_download() as download:
        row_menu(page, f"Imported {tag}", "export")
    path = tmp_path / "export.json"
    download.value.save_as(path)
    exported = json.loads(path.read_text())
    assert download.value.suggested_filename == f"imported-{tag}.json"
    assert exported["name"] == original["name"]
    assert [n["id"] for n in exported["nodes"]] == [n["id"] for n in original["nodes"]]
    assert [n["data"]["config"] for n in exported["nodes"]] == [n["data"]["config"] for n in original["nodes"]]
    assert [(e["source"], e["target"], e.get("sourceHandle")) for e in exported["edges"]] == \
        [(e["source"], e["target"], e.get("sourceHandle")) for e in original["edges"]]

    # The exported file imports again (by file upload) as a new workflow.
    exported["name"] = f"Re-imported {tag}"
    path.write_text(json.dumps(exported))
    page.click("#import-workflow")
    page.locator("#import-upload input[type=file]").set_input_files(str(path))
    page.wait_for_url(re.compile(r".*/workflows/[0-9a-f-]{36}$"))
    page.locator('#builder[data-phase="ready"]').wait_for()
    # The page may report "ready" for a moment before the new workflow's state arrives: wait for it.
    wait_for(lambda: page.locator("#workflow-name").input_value() == f"Re-imported {tag}", "the re-imported name")
    wait_for(lambda: page.locator(".react-flow__node").count() == len(original["nodes"]), "the re-imported nodes")


def test_validation_problems_of_a_broken_workflow(users, page):
    base, tag = users, uuid.uuid4().hex[:6]
    sign_in(page, base, USER, PASSWORD)
    page.goto(f"{base}/workflows")
    broken = json.loads(json.dumps(ORDER_APPROVAL))
    broken["name"] = f"Broken {tag}"
    broken["nodes"][1]["data"]["config"]["condition"] = "{{Send Rejection.x}} > 1"
    broken["edges"].append({"id": "bad", "source": "approval", "target": "ghost"})
    page.click("#import-workflow")
    page.fill("#import-json", json.dumps(broken))
    page.click("#import-pasted")
    problems = page.locator("#import-problems")
    problems.wait_for()
    assert "which is not an upstream node" in problems.inner_text()
    assert '"ghost" is not a node of this workflow' in problems.inner_text()
    page.fill("#import-json", "{not json")
    page.click("#import-pasted")
    page.locator("#import-problems", has_text="Not valid JSON").wait_for()
    page.keyboard.press("Escape")

    # In the builder: every problem listed, publishing blocked, a click focuses the step.
    open_new_workflow(page, base, f"Invalid {tag}")
    select_node(page, "Trigger")
    page.click('[data-palette-type="Condition"]')
    node_el(page, "Condition").wait_for()
    page.click('[data-palette-type="Sleep"]')
    node_el(page, "Sleep").wait_for()
    page.fill("#cfg-duration", "soon")
    page.locator("#problem-duration", has_text="'soon'").wait_for()  # saved and validated (under its field)
    wait_saved(page)
    page.locator("#problems-button", has_text="2 problems").wait_for()
    assert page.locator("#publish-button").is_disabled()
    node_el(page, "Condition").and_(page.locator(".wv-invalid")).wait_for()
    page.click("#problems-button")
    listed = page.locator(".wv-problem")
    wait_for(lambda: listed.count() == 2, "both problems listed")
    text = page.locator("#problems-list").inner_text()
    assert 'required field "Condition" (condition) is empty' in text and "'soon'" in text
    listed.filter(has_text="Condition").click()
    page.locator('#node-panel').wait_for()
    assert page.locator("#node-label").input_value() == "Condition"
    page.fill("#cfg-condition", "{{Trigger.amount}} > 10")
    select_node(page, "Sleep")
    page.fill("#cfg-duration", "5m")
    wait_saved(page)
    page.locator("#problems-button", has_text="Valid").wait_for()
    assert not page.locator("#publish-button").is_disabled()


def _pick(page, scope: str, search: str, option: str) -> None:
    """Opens a combobox (or multi-select), filters it and picks an option."""
    box = page.locator(scope)
    box.locator(".wv-combo-trigger").click()
    box.locator(".wv-combo-search").fill(search)
    box.locator(".wv-combo-opt", has_text=option).first.click()


def _config(base: str, workflow_id: str, label: str) -> dict:
    node = next(n for n in _document(base, workflow_id)["nodes"] if n["data"]["label"] == label)
    return node["data"]["config"]


def test_every_config_field_type_renders_and_saves(users, page):
    base, tag = users, uuid.uuid4().hex[:6]
    sign_in(page, base, USER, PASSWORD)
    other_id = open_new_workflow(page, base, f"Child {tag}")
    workflow_id = open_new_workflow(page, base, f"Fields {tag}")

    # Trigger: select (type), text (cron), combobox of time zones, schema-builder; next fire times.
    select_node(page, "Trigger")
    page.click("#cfg-triggerType")
    page.get_by_role("option", name="Schedule", exact=True).click()
    page.fill("#cfg-scheduleCron", "0 9 * * 1-5")
    _pick(page, "#cfg-scheduleTimezone", "berl", "Europe/Berlin")
    page.locator("#schedule-fires .wv-fire", has_text="Europe/Berlin").nth(4).wait_for()

    # DataSource Query: combobox from a built-in source, match-builder, multi-select with dependency keys.
    page.click('[data-palette-type="DataSource Query"]')
    node_el(page, "DataSource Query").wait_for()
    _pick(page, "#cfg-datasourceId", "exec", "Workflow executions")
    page.locator('.wv-field[data-key="match"] .wv-add-row').click()
    pair = page.locator('.wv-field[data-key="match"] .wv-pair').first
    _pick(page, '.wv-field[data-key="match"] .wv-pair >> nth=0', "stat", "Status")
    pair.locator("input").last.fill("error")
    _pick(page, "#cfg-select", "", "Id")
    page.locator("#cfg-select .wv-combo-opt", has_text="Status").first.click()
    page.keyboard.press("Escape")
    page.fill("#cfg-sort", "-startedAt")
    page.fill("#cfg-limit", "5")

    # DataSource Update: single-row-update (primary key first, then fields to update).
    page.click('[data-palette-type="DataSource Update"]')
    node_el(page, "DataSource Update").wait_for()
    _pick(page, "#cfg-datasourceId", "exec", "Workflow executions")
    field = page.locator('.wv-field[data-key="row"]')
    field.get_by_text("Primary key").wait_for()
    field.locator("input").first.fill("{{Trigger.executionId}}")
    field.locator(".wv-add-row").click()
    _pick(page, '.wv-field[data-key="row"] .wv-pair >> nth=0', "stat", "Status")
    field.locator(".wv-pair input").last.fill("success")

    # Trigger Workflow: the user's workflows; select of a flag; Send SMS: the integration picker.
    page.click('[data-palette-type="Trigger Workflow"]')
    node_el(page, "Trigger Workflow").wait_for()
    _pick(page, "#cfg-workflowId", "child", f"Child {tag}")
    page.click("#cfg-waitForCompletion")
    page.get_by_role("option", name="Yes", exact=True).click()
    page.click('[data-palette-type="sms/send"]')
    node_el(page, "Send SMS").wait_for()
    assert page.locator("#add-integration").get_attribute("href") == "/settings/integrations"
    page.fill("#retry-maxAttempts", "3")
    page.fill("#retry-initialDelay", "10s")
    page.locator("#node-enabled").click()
    wait_saved(page)

    trigger = _config(base, workflow_id, "Trigger")
    assert trigger["triggerType"] == "Schedule" and trigger["scheduleTimezone"] == "Europe/Berlin"
    query = _config(base, workflow_id, "DataSource Query")
    assert json.loads(query["match"]) == {"status": "error"} and json.loads(query["select"]) == ["id", "status"]
    assert query["limit"] == 5 and query["sort"] == "-startedAt" and query["datasourceId"] == "WorkflowExecutions"
    update = _config(base, workflow_id, "DataSource Update")
    assert json.loads(update["row"]) == {"id": "{{Trigger.executionId}}", "status": "success", "_status": "U"}
    child = _config(base, workflow_id, "Trigger Workflow")
    assert child["workflowId"] == other_id and child["waitForCompletion"] == "true"
    sms = next(n for n in _document(base, workflow_id)["nodes"] if n["data"]["label"] == "Send SMS")
    assert sms["data"]["config"]["retry"] == {"maxAttempts": 3, "initialDelay": "10s"}
    assert sms["data"]["enabled"] is False
    node_el(page, "Send SMS").and_(page.locator(".wv-disabled")).wait_for()
    # The reload shows the same values in the panel.
    page.reload()
    page.locator('#builder[data-phase="ready"]').wait_for()
    select_node(page, "DataSource Query")
    assert page.locator('.wv-field[data-key="match"] .wv-pair input').last.input_value() == "error"
    assert page.locator("#cfg-select .wv-chip").all_inner_texts() == ["Id", "Status"]
