"""The execution viewer in Chromium: live updates from a signal, a failed HTTP step's attempts,
cancel and retry from the viewer, the execution lists and the embedding demo page."""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest

from tests.e2e.conftest import sign_in
from wayvo_app.services import accounts
from wayvo_app.store import db

pytestmark = pytest.mark.e2e
USER = "viewer"  # a user of its own: the other browser tests expect the demo users' lists empty
PASSWORD = "wayvo-demo"


def _node(node_id: str, label: str, action: str | None, x: int, y: int, **config) -> dict:
    if action is None:
        return {"id": node_id, "type": "trigger", "position": {"x": x, "y": y},
                "data": {"label": label, "type": "trigger", "config": {"triggerType": "Manual"}}}
    return {"id": node_id, "type": "action", "position": {"x": x, "y": y},
            "data": {"label": label, "type": "action", "config": {"actionType": action, **config}}}


def wait_doc(namespace: str) -> dict:
    nodes = [_node("t", "Trigger", None, 0, 0),
             _node("w", "Wait for Event", "Wait for Event", 0, 140, eventNamespace=namespace,
                   eventKey="order-{{Trigger.orderId}}", title="Payment of order {{Trigger.orderId}}"),
             _node("c", "Check amount", "Condition", 0, 280, condition="{{Wait for Event.payload.amount}} > 10"),
             _node("ok", "Large order", "Sleep", -160, 420, duration="1s"),
             _node("no", "Small order", "Sleep", 160, 420, duration="1s")]
    edges = [{"id": "e1", "source": "t", "target": "w"}, {"id": "e2", "source": "w", "target": "c"},
             {"id": "e3", "source": "c", "target": "ok", "sourceHandle": "true"},
             {"id": "e4", "source": "c", "target": "no", "sourceHandle": "false"}]
    return {"name": f"Payment {namespace}", "nodes": nodes, "edges": edges}


def http_doc(endpoint: str, attempts: int) -> dict:
    nodes = [_node("t", "Trigger", None, 0, 0),
             _node("h", "Call shop", "HTTP Request", 0, 150, httpMethod="GET", endpoint=endpoint,
                   retry={"maxAttempts": attempts, "initialDelay": "1s"})]
    return {"name": "Call the shop", "nodes": nodes, "edges": [{"id": "e1", "source": "t", "target": "h"}]}


class Api:
    """The running app's HTTP API as the owner (session token) and with an API key."""

    def __init__(self, base: str):
        self.base = base
        login = httpx.post(f"{base}/api/auth/login", json={"userName": USER, "password": PASSWORD})
        login.raise_for_status()
        self.headers = {"Authorization": f"Bearer {login.json()['token']}"}
        key = self.post("/api/api-keys/create", {"name": "Viewer e2e key"})
        self.key_headers = {"Authorization": f"Bearer {key['key']}"}

    def post(self, path: str, body: dict, headers: dict | None = None, ok: bool = True) -> dict:
        r = httpx.post(self.base + path, json=body, headers=headers or self.headers, timeout=10)
        if ok:
            assert r.status_code == 200, r.text
        return r.json()

    def start(self, doc: dict, payload: dict | None = None) -> tuple[str, str]:
        doc = {**doc, "name": f"{doc.get('name', 'Workflow')} {uuid.uuid4().hex[:6]}"}  # names are unique
        workflow_id = self.post("/api/workflows", doc)["id"]
        execution_id = self.post(f"/api/workflow/{workflow_id}/execute", {"input": payload or {}})["executionId"]
        return workflow_id, execution_id

    def status(self, execution_id: str) -> str:
        r = httpx.get(f"{self.base}/api/workflows/executions/{execution_id}/status", headers=self.headers)
        return r.json()["status"]

    def wait_for(self, execution_id: str, *statuses: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (status := self.status(execution_id)) in statuses:
                return status
            time.sleep(0.1)
        raise AssertionError(f"execution {execution_id} stayed {self.status(execution_id)}, wanted {statuses}")


@pytest.fixture(scope="module")
def api(app_server) -> Api:
    with db.session(app_server["db_url"]) as s:
        if accounts.find_user(s, USER) is None:
            accounts.create_user(s, USER, PASSWORD, roles=["admin"], display_name="Vera Viewer")
    return Api(app_server["url"])


def _node_el(page, node_id: str):
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def _open_viewer(page, base: str, execution_id: str) -> None:
    sign_in(page, base, USER, PASSWORD)
    page.goto(f"{base}/workflows/executions/{execution_id}")
    page.locator("#viewer-ready").wait_for()


def test_signal_turns_the_paused_nodes_green_without_reload(app_server, api, page):
    namespace = f"shop{uuid.uuid4().hex[:8]}"
    _, execution_id = api.start(wait_doc(namespace), {"orderId": 42})
    assert api.wait_for(execution_id, "paused") == "paused"
    _open_viewer(page, app_server["url"], execution_id)
    node = _node_el(page, "w")
    node.and_(page.locator(".wv-paused")).wait_for()
    assert "paused" in node.inner_text()
    waits = page.locator("#viewer-waits")
    assert f"{namespace}" in waits.inner_text() and "order-42" in waits.inner_text()
    curl = page.locator(".wv-curl").inner_text()
    assert "/api/workflow/events/signal" in curl and f'"eventNamespace": "{namespace}"' in curl
    assert page.locator("#viewer-live").is_visible()
    page.evaluate("window.__noReload = 'still here'")
    started = time.monotonic()
    api.post("/api/workflow/events/signal",
             {"eventNamespace": namespace, "eventKey": "order-42", "payload": {"amount": 99}}, api.key_headers)
    node.and_(page.locator(".wv-success")).wait_for(timeout=5000)
    delay = time.monotonic() - started
    _node_el(page, "c").and_(page.locator(".wv-success")).wait_for(timeout=5000)
    _node_el(page, "ok").and_(page.locator(".wv-success")).wait_for(timeout=8000)
    _node_el(page, "no").and_(page.locator(".wv-skipped")).wait_for(timeout=5000)
    page.locator('#viewer-ready[data-status="success"]').wait_for(timeout=5000)
    assert page.evaluate("window.__noReload") == "still here"
    assert page.locator("#viewer-waits").count() == 0
    assert "waiting for event" in page.locator("#viewer-timeline").inner_text()
    print(f"\nsignal -> node green in the browser: {delay * 1000:.0f} ms")
    assert delay < 3.0


def test_failed_http_step_shows_its_error_and_every_attempt(app_server, api, page):
    _, execution_id = api.start(http_doc("http://wayvo-unreachable.invalid/orders", attempts=2))
    assert api.wait_for(execution_id, "error", timeout=30) == "error"
    _open_viewer(page, app_server["url"], execution_id)
    node = _node_el(page, "h")
    node.and_(page.locator(".wv-error")).wait_for()
    assert "attempt 2" in node.inner_text()
    assert "Call shop" in page.locator("#viewer-execution-error").inner_text()
    # An incident opens on the failed step, newest attempt first, without a click.
    details = page.locator("#viewer-details")
    details.locator(".wv-attempt").first.wait_for()
    assert page.locator("#viewer-attempt-count").inner_text().startswith("2")
    attempts = details.locator(".wv-attempt")
    assert attempts.count() == 2
    assert "Attempt 2" in attempts.nth(0).inner_text() and "Attempt 1" in attempts.nth(1).inner_text()
    errors = details.locator(".wv-step-error")
    assert errors.count() == 2
    assert "Could not resolve host" in errors.nth(0).inner_text()
    assert "attempt 2 of 2" in errors.nth(0).inner_text()
    edit = page.locator("#viewer-edit-workflow")
    assert re.search(r"/workflows/[0-9a-f-]{36}$", edit.get_attribute("href"))
    node.click()  # a click on the open step closes its details
    details.wait_for(state="detached")


def test_ssrf_refusal_is_shown_and_retry_from_start_opens_the_new_execution(app_server, api, page):
    _, execution_id = api.start(http_doc("http://127.0.0.1:9/unreachable", attempts=2))
    assert api.wait_for(execution_id, "error") == "error"
    _open_viewer(page, app_server["url"], execution_id)
    details = page.locator("#viewer-details")  # opened on the failed step
    details.locator(".wv-attempt").first.wait_for()
    assert details.locator(".wv-attempt").count() == 1  # not retryable: one attempt only
    assert "127.0.0.1" in details.locator(".wv-step-error").inner_text()
    page.click("#viewer-retry-start")
    page.get_by_role("alertdialog").wait_for()  # running everything again asks first
    page.click("#viewer-confirm-yes")
    page.wait_for_url(re.compile(r".*/workflows/executions/(?!" + execution_id + r")[0-9a-f-]{36}/?$"))
    new_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert new_id != execution_id
    page.locator(f'#viewer-ready[data-execution="{new_id}"]').wait_for()
    assert page.get_by_text("Retry of").is_visible()


def test_cancel_from_the_viewer(app_server, api, page):
    namespace = f"cancel{uuid.uuid4().hex[:8]}"
    _, execution_id = api.start(wait_doc(namespace), {"orderId": 7})
    api.wait_for(execution_id, "paused")
    _open_viewer(page, app_server["url"], execution_id)
    page.locator("#viewer-details").wait_for()  # opened on the paused step
    page.click("#viewer-cancel")
    page.get_by_role("alertdialog").wait_for()
    page.click("#viewer-confirm-no")  # "Keep it": nothing happens
    page.get_by_role("alertdialog").wait_for(state="detached")
    assert api.status(execution_id) == "paused"
    page.click("#viewer-cancel")
    page.click("#viewer-confirm-yes")
    page.locator('#viewer-ready[data-status="cancelled"]').wait_for()
    assert api.status(execution_id) == "cancelled"
    _node_el(page, "w").and_(page.locator(".wv-skipped")).wait_for()
    assert page.locator("#viewer-cancel").count() == 0
    assert page.locator("#viewer-retry-start").is_visible()
    assert page.locator("#viewer-retry-failed").count() == 0  # nothing failed: only "from start"


def test_execution_lists_filter_and_open_the_viewer(app_server, api, page):
    namespace = f"list{uuid.uuid4().hex[:8]}"
    workflow_id, execution_id = api.start(wait_doc(namespace), {"orderId": 5})
    api.wait_for(execution_id, "paused")
    base = app_server["url"]
    sign_in(page, base, USER, PASSWORD)
    page.goto(f"{base}/workflows/executions")
    rows = page.locator(".wv-execution-row")
    rows.first.wait_for()
    assert page.locator(f'a[href="/workflows/executions/{execution_id}"]').count() == 1
    page.click("#filter-status")
    page.get_by_role("option", name="Error").click()
    page.locator('.wv-execution-row[data-status="paused"]').first.wait_for(state="detached")
    assert rows.count() >= 1 and all(r.get_attribute("data-status") == "error" for r in rows.all())
    page.goto(f"{base}/workflows/{workflow_id}/executions")
    page.get_by_text(f"Payment {namespace}").first.wait_for()
    assert rows.count() == 1
    assert f"Event {namespace} / order-5" in rows.first.inner_text()
    page.click(f'a[href="/workflows/executions/{execution_id}"]')
    page.locator("#viewer-ready").wait_for()
    _node_el(page, "w").and_(page.locator(".wv-paused")).wait_for()


def test_demo_page_embeds_the_viewer_and_opens_it_in_a_dialog(app_server, api, page):
    namespace = f"demo{uuid.uuid4().hex[:8]}"
    _, execution_id = api.start(wait_doc(namespace), {"orderId": 11})
    api.wait_for(execution_id, "paused")
    base = app_server["url"]
    sign_in(page, base, USER, PASSWORD)
    page.goto(f"{base}/demo/order-status")
    embedded = page.locator("#embedded-viewer")
    embedded.locator(".react-flow__node.wv-paused").first.wait_for()
    page.click("#open-viewer-dialog")
    dialog = page.locator("#viewer-dialog")
    dialog.locator(".react-flow__node.wv-paused").first.wait_for()
    assert namespace in dialog.inner_text()
    page.screenshot(path=str(_artifact("demo_dialog_open.png")))
    api.post("/api/workflow/events/signal", {"eventNamespace": namespace, "eventKey": "order-11",
                                             "payload": {"amount": 1}}, api.key_headers)
    dialog.locator('.react-flow__node[data-id="w"].wv-success').wait_for(timeout=5000)
    embedded.locator('.react-flow__node[data-id="w"].wv-success').wait_for(timeout=5000)
    page.click("#viewer-dialog-close")
    dialog.wait_for(state="detached")


def _artifact(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
