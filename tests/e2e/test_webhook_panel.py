"""The Webhook trigger's panel in Chromium: the secret URL with copy and rotate, a generated
signing secret shown once, and a signed call to that URL starting the published workflow."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, api_login, sign_in, wait_for
from wayvo_app.core.webhook_signatures import sign
from wayvo_app.services import accounts
from wayvo_app.store import db

pytestmark = pytest.mark.e2e
USER, PASSWORD = "hook-builder", "wayvo-demo"


@pytest.fixture(scope="module")
def base(app_server):
    with db.session(app_server["db_url"]) as s:
        if accounts.find_user(s, USER) is None:
            accounts.create_user(s, USER, PASSWORD, roles=["admin"], display_name="Hana Hooks")
    return app_server["url"]


def _choose(page, field: str, option: str) -> None:
    page.click(f"#cfg-{field}")
    page.get_by_role("option", name=option, exact=True).click()


def _publish_with_a_step(base: str, workflow_id: str) -> None:
    """The panel's settings saved by the builder, plus a step, published through the API."""
    headers = api_login(base, USER, PASSWORD)
    doc = httpx.get(f"{base}/api/workflows/{workflow_id}", headers=headers, timeout=10).json()
    doc["nodes"].append({"id": "c", "type": "action", "position": {"x": 0, "y": 150},
                         "data": {"label": "Check", "type": "action",
                                  "config": {"actionType": "Condition", "condition": "true"}}})
    doc["edges"].append({"id": "e-c", "source": doc["nodes"][0]["id"], "target": "c"})
    assert httpx.put(f"{base}/api/workflows/{workflow_id}", json=doc, headers=headers, timeout=10).status_code == 200
    r = httpx.post(f"{base}/api/workflows/{workflow_id}/publish", headers=headers, timeout=10)
    assert r.status_code == 200, r.text


def test_secret_url_rotate_and_a_signed_call(base, page):
    sign_in(page, base, USER, PASSWORD)
    page.goto(f"{base}/workflows")
    page.click("#new-workflow")
    page.fill("#create-form-name", f"Hook {uuid.uuid4().hex[:6]}")
    page.click("#create-form-submit")
    page.wait_for_url(re.compile(r".*/workflows/[0-9a-f-]{36}$"))
    workflow_id = page.url.rsplit("/", 1)[1]
    page.locator('#builder[data-phase="ready"]').wait_for()
    page.locator(".react-flow__node .wv-bn-head").first.click()
    _choose(page, "triggerType", "Webhook")
    url_box = page.locator("#webhook-url")
    url_box.filter(has_text=re.compile(r"/api/hooks/whk_")).wait_for()
    first_url = url_box.inner_text()
    _choose(page, "webhookSignature", "sha256=<hex> (GitHub style)")
    page.locator("#webhook-curl", has_text="X-Hub-Signature-256: sha256=").wait_for()
    assert page.locator("#hook-secret-state").inner_text() == "Signing secret: none"
    page.click("#hook-secret-generate")
    secret = page.locator("#hook-new-secret").inner_text()
    assert secret.startswith("whsec_")
    page.locator("#hook-secret-state", has_text="set (kept encrypted").wait_for()
    page.locator('#save-state[data-state="saved"]').wait_for(timeout=10000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#node-panel").screenshot(path=str(ARTIFACTS / "webhook-panel.png"))

    page.click("#webhook-rotate")
    wait_for(lambda: url_box.inner_text() != first_url, "a new URL after rotating")
    url = url_box.inner_text()
    assert page.locator("#hook-new-secret").count() == 0  # shown once, gone after the next action
    _publish_with_a_step(base, workflow_id)

    body = b'{"orderId": "A-7"}'
    assert httpx.post(first_url, content=body, timeout=10).status_code == 404
    unsigned = httpx.post(url, content=body, timeout=10)
    assert unsigned.status_code == 401 and "X-Hub-Signature-256" in unsigned.json()["error"]
    signed = httpx.post(url, content=body, headers={"X-Hub-Signature-256": sign("sha256", secret, body)}, timeout=10)
    assert signed.status_code == 202, signed.text
