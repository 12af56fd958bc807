"""Webhooks for real senders: a loopback sender (httpx) calls /api/hooks/{token} on a real uvicorn
server, signed GitHub style and Stripe style, replayed, forged, after a rotation, with a form body,
and waiting for the workflow to finish. A refused call starts nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import httpx
import pytest
from sqlalchemy import select

from tests.helpers import adrain, create_workflow, document, edge, make_user, node
from tests.support.loopback import serve_api
from wayvo_app.core.webhook_signatures import sign
from wayvo_app.services import webhooks
from wayvo_app.store import db
from wayvo_app.store.models import Execution, WebhookEndpoint

SECRET = "whsec_test_0123456789abcdef"
BODY = b'{"orderId": "A-1", "amount": 250}'


@pytest.fixture
def base_url(db_url):
    with serve_api() as url:
        yield url


def _hook(user_id: str, publish: bool = True, secret: str | None = SECRET, **trigger) -> tuple[str, str]:
    """A workflow started by a Webhook trigger with `trigger` settings: (workflow id, hook path)."""
    doc = document([node("t", "Trigger", triggerType="Webhook", **trigger),
                    node("c", "Check", "Condition", condition="{{Trigger.amount}} > 100")], [edge("t", "c")])
    workflow_id = create_workflow(user_id, doc, publish=publish)
    if secret:
        webhooks.set_signing_secret(workflow_id, user_id, secret)
    url = webhooks.hook_info(workflow_id, user_id)["url"]
    return workflow_id, "/api/hooks/" + url.rsplit("/", 1)[1]


def _executions(workflow_id: str) -> list[Execution]:
    with db.read_session() as s:
        return list(s.exec(select(Execution).where(Execution.workflow_id == workflow_id)).scalars())


async def test_github_style_signature_starts_and_a_bad_or_missing_one_starts_nothing(base_url):
    owner = make_user("owner")
    workflow_id, path = _hook(owner, webhookSignature="sha256")
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as sender:
        good = await sender.post(path, content=BODY, headers={"Content-Type": "application/json",
                                                              "X-Hub-Signature-256": sign("sha256", SECRET, BODY)})
        assert good.status_code == 202, good.text
        assert good.json()["status"] == "running"
        [execution] = _executions(workflow_id)
        assert execution.id == good.json()["executionId"] and execution.input == {"orderId": "A-1", "amount": 250}
        assert execution.trigger_type == "Webhook"
        forged = await sender.post(path, content=BODY.replace(b"250", b"9999"),
                                   headers={"X-Hub-Signature-256": sign("sha256", SECRET, BODY)})
        assert forged.status_code == 401
        assert forged.json() == {"error": "Bad signature in X-Hub-Signature-256: it does not match the body "
                                          "and the signing secret", "code": "invalid_signature"}
        wrong_key = await sender.post(path, content=BODY,
                                      headers={"X-Hub-Signature-256": sign("sha256", "another-secret", BODY)})
        assert wrong_key.status_code == 401
        missing = await sender.post(path, content=BODY)
        assert missing.status_code == 401
        assert missing.json()["error"] == "Missing signature header X-Hub-Signature-256"
    assert len(_executions(workflow_id)) == 1  # the refused calls started nothing


async def test_stripe_style_signature_with_a_custom_header_and_a_replay_refused(base_url):
    owner = make_user("owner")
    workflow_id, path = _hook(owner, webhookSignature="timestamped", webhookSignatureHeader="X-Signature",
                              webhookTolerance="2m")
    now = int(time.time())
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as sender:
        fresh = await sender.post(path, content=BODY, headers={"X-Signature": sign("timestamped", SECRET, BODY, now)})
        assert fresh.status_code == 202, fresh.text
        # A captured request sent again ten minutes later: its signature is right but too old.
        old = now - 600
        replay = await sender.post(path, content=BODY, headers={"X-Signature": sign("timestamped", SECRET, BODY, old)})
        assert replay.status_code == 401
        assert replay.json()["error"].startswith("Signature timestamp too old: signed 6")
        assert "the tolerance is 120 s" in replay.json()["error"]
        # The timestamp is signed too: moving it forward breaks the signature.
        moved = sign("timestamped", SECRET, BODY, old).replace(f"t={old}", f"t={now}")
        tampered = await sender.post(path, content=BODY, headers={"X-Signature": moved})
        assert tampered.status_code == 401 and tampered.json()["error"].startswith("Bad signature in X-Signature")
        stripe_header = await sender.post(path, content=BODY,
                                          headers={"Stripe-Signature": sign("timestamped", SECRET, BODY, now)})
        assert stripe_header.status_code == 401
        assert stripe_header.json()["error"] == "Missing signature header X-Signature"
    assert [e.id for e in _executions(workflow_id)] == [fresh.json()["executionId"]]


async def test_a_rotated_token_is_404_and_the_new_one_works(base_url):
    owner = make_user("owner")
    workflow_id, path = _hook(owner, secret=None)
    new_url = webhooks.rotate_token(workflow_id, owner)["url"]
    new_path = "/api/hooks/" + new_url.rsplit("/", 1)[1]
    assert new_path != path
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as sender:
        gone = await sender.post(path, json={"amount": 1})
        assert gone.status_code == 404
        assert gone.json() == {"error": webhooks.NOT_FOUND, "code": "not_found"}
        unknown = await sender.post("/api/hooks/whk_nothing-here", json={})
        assert unknown.status_code == 404
        works = await sender.post(new_path, json={"amount": 1})
        assert works.status_code == 202
    assert len(_executions(workflow_id)) == 1
    with db.read_session() as s:  # the token is stored hashed and encrypted, never in clear
        row = s.get(WebhookEndpoint, workflow_id)
        assert new_path.rsplit("/", 1)[1] not in row.token_encrypted + row.token_hash
        assert SECRET not in (row.secret_encrypted or "")


async def test_form_bodies_are_objects_checked_against_the_input_schema(base_url):
    owner = make_user("owner")
    schema = json.dumps({"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}})
    workflow_id, path = _hook(owner, secret=None, inputSchema=schema)
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as sender:
        ok = await sender.post(path, data={"email": "ann@example.com", "tag": ["a", "b"], "amount": "5"})
        assert ok.status_code == 202, ok.text
        refused = await sender.post(path, data={"name": "Ann"})
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_input"
        assert refused.json()["problems"][0]["message"] == "email: is required"
        other = await sender.post(path, content=b"<xml/>", headers={"Content-Type": "application/xml"})
        assert other.status_code == 415 and other.json()["code"] == "unsupported_media_type"
        huge = await sender.post(path, content=b"a=" + b"x" * (1024 * 1024 + 1),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert huge.status_code == 413
        deep = await sender.post(path, content=b'{"a":' * 100 + b"1" + b"}" * 100,
                                 headers={"Content-Type": "application/json"})
        assert deep.status_code == 400 and "nested deeper" in deep.json()["error"]
    [execution] = _executions(workflow_id)
    assert execution.input == {"email": "ann@example.com", "tag": ["a", "b"], "amount": "5"}


async def test_only_a_published_webhook_workflow_fires(base_url):
    owner = make_user("owner")
    _, draft_path = _hook(owner, publish=False, secret=None)
    manual = create_workflow(owner, document([node("t", "Trigger"), node("c", "Check", "Condition", condition="true")],
                                             [edge("t", "c")]), publish=True)
    manual_path = "/api/hooks/" + webhooks.hook_info(manual, owner)["url"].rsplit("/", 1)[1]
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as sender:
        draft = await sender.post(draft_path, json={})
        assert draft.status_code == 409 and "not published" in draft.json()["error"]
        not_webhook = await sender.post(manual_path, json={})
        assert not_webhook.status_code == 409 and "Webhook trigger" in not_webhook.json()["error"]


@contextlib.asynccontextmanager
async def _engine():
    """An engine worker running beside the server until the block ends."""
    stop = asyncio.Event()

    async def loop():
        while not stop.is_set():
            await adrain(timeout=5)
            await asyncio.sleep(0.05)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        stop.set()
        await task


async def test_respond_when_finished_returns_the_output_or_202_after_the_wait(base_url):
    owner = make_user("owner")
    workflow_id, path = _hook(owner, secret=None, webhookResponse="whenFinished", webhookTimeout="20s")
    slow = create_workflow(owner, document(
        [node("t", "Trigger", triggerType="Webhook", webhookResponse="whenFinished", webhookTimeout="1s"),
         node("z", "Nap", "Sleep", duration="1h")], [edge("t", "z")]), publish=True)
    slow_path = "/api/hooks/" + webhooks.hook_info(slow, owner)["url"].rsplit("/", 1)[1]
    async with _engine(), httpx.AsyncClient(base_url=base_url, timeout=30) as sender:
        done = await sender.post(path, json={"amount": 250})
        assert done.status_code == 200, done.text
        assert done.json() == {"executionId": _executions(workflow_id)[0].id, "status": "success",
                               "output": {"result": True}}
        waited = await sender.post(slow_path, json={})
        assert waited.status_code == 202 and waited.json()["status"] == "running"
        assert _executions(slow)[0].status in ("running", "paused")
