"""The approvals inbox and the approval page in Chromium, against the running app: workflows and
executions are created through its HTTP API and the embedded engine pauses them."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select

from tests.e2e.conftest import ARTIFACTS, api_login, sign_in, wait_for
from wayvo_app.store import db
from wayvo_app.store.models import EmailMessage

pytestmark = pytest.mark.e2e

DESCRIPTION = ("## Order {{Trigger.orderId}}\n\nCustomer **ACME Corp** asks for *express* shipping.\n\n"
               "<script>window.__pwned = true</script><b>raw html</b>")
CONTEXT = '{"orderId": "{{Trigger.orderId}}", "amount": 1250, "customer": {"name": "ACME", "tier": "gold"}}'


def _workflow(base: str, owner: dict, name: str, **config) -> str:
    approval = {"actionType": "Request Approval", "title": "Approve order {{Trigger.orderId}}", **config}
    doc = {"name": name, "nodes": [
        {"id": "t1", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "a1", "type": "action", "position": {"x": 0, "y": 150},
         "data": {"label": "Request Approval", "type": "action", "config": approval}},
    ], "edges": [{"id": "e1", "source": "t1", "target": "a1"}]}
    r = httpx.post(f"{base}/api/workflows", json=doc, headers=owner, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def _execution(base: str, owner: dict, execution_id: str) -> dict:
    r = httpx.get(f"{base}/api/workflows/executions/{execution_id}", headers=owner, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _start_paused(base: str, owner: dict, workflow_id: str, order_id: str) -> str:
    r = httpx.post(f"{base}/api/workflow/{workflow_id}/execute", json={"input": {"orderId": order_id}},
                   headers=owner, timeout=10)
    assert r.status_code == 200, r.text
    execution_id = r.json()["executionId"]
    wait_for(lambda: _execution(base, owner, execution_id)["status"] == "paused", "the execution to pause")
    return execution_id


def _request_of(base: str, approver: dict, execution_id: str) -> dict:
    rows = httpx.get(f"{base}/api/workflow/approvals", headers=approver, timeout=10).json()
    return next(r for r in rows if r["executionId"] == execution_id)


def _row(page, title: str):
    return page.locator(".inbox-row", has_text=title)


def _decide(page, button: str, comment: str = "") -> None:
    if comment:
        page.fill("#decision-comment", comment)
    page.click(f"#{button}")
    page.get_by_role("alertdialog").wait_for()
    page.click("#confirm-decision")
    page.locator("#approval-message").wait_for()


def test_all_approvers_decide_and_the_execution_ends_as_the_workflow_says(app_server, new_page):
    base, tag = app_server["url"], uuid.uuid4().hex[:6]
    owner = api_login(base, "owner")
    wf = _workflow(base, owner, f"Orders {tag}", approvers="alice,bob", approvalType="all",
                   description=DESCRIPTION, contextData=CONTEXT, expiresIn="2d")
    execution_id = _start_paused(base, owner, wf, f"A-{tag}")
    request_id = _request_of(base, api_login(base, "alice"), execution_id)["id"]
    title = f"Approve order A-{tag}"

    alice = new_page()
    sign_in(alice, base, "alice")
    alice.goto(f"{base}/workflows/approvals")
    row = _row(alice, title)
    row.wait_for()
    assert "0 of 2 approvals" in row.inner_text() and f"Orders {tag}" in row.inner_text()
    assert "started by Olivia Owner" in row.inner_text()
    row.get_by_role("link", name=title).click()
    alice.wait_for_url(f"**/workflows/approvals/{request_id}")
    assert alice.locator("#approval-title").inner_text() == title
    description = alice.locator(".approval-description")
    assert description.locator("h2", has_text=f"Order A-{tag}").count() == 1
    assert description.locator("strong", has_text="ACME Corp").count() == 1
    assert description.locator("script, b").count() == 0 and "<b>raw html</b>" in description.inner_text()
    assert alice.evaluate("window.__pwned === undefined")
    assert "A-" + tag in alice.locator("#context-data").inner_text()
    assert alice.locator("#approval-progress").inner_text() == "0 of 2 approvals"

    _decide(alice, "approve")
    assert "You approved this request" in alice.locator("#approval-message").inner_text()
    alice.get_by_text("1 of 2 approvals").first.wait_for()
    assert alice.locator("#approval-progress").inner_text() == "1 of 2 approvals"
    assert "Alice Approver" in alice.locator("#decisions").inner_text()  # display names, not user names
    assert alice.locator("#approve").count() == 0

    bob = new_page()
    sign_in(bob, base, "bob")
    bob.goto(f"{base}/workflows/approvals/{request_id}")
    bob.locator("#approval-progress").filter(has_text="1 of 2 approvals").wait_for()
    _decide(bob, "reject", "Budget exceeded for this quarter")
    assert "The request is now rejected" in bob.locator("#approval-message").inner_text()
    assert "Budget exceeded for this quarter" in bob.locator("#decisions").inner_text()

    done = wait_for(lambda: (e := _execution(base, owner, execution_id))["status"] != "paused" and e,
                    "the execution to finish")
    assert done["status"] == "error"
    assert "Approval rejected by bob: Budget exceeded for this quarter" in done["error"]
    # Alice's open page learns about Bob's decision without a reload.
    alice.locator("#approval-status").filter(has_text="rejected").wait_for(timeout=10000)
    alice.goto(f"{base}/workflows/approvals")
    alice.click("#tab-decided")
    assert "You approved" in _row(alice, title).inner_text()

    maria = new_page()
    sign_in(maria, base, "maria")
    maria.goto(f"{base}/workflows/approvals")
    maria.locator("#inbox-empty").get_by_text("Nothing is waiting for you").wait_for()
    maria.click("#tab-all")
    maria.locator("#inbox-empty").wait_for()
    assert maria.locator(".inbox-row").count() == 0
    maria.goto(f"{base}/workflows/approvals/{request_id}")
    maria.locator("#approval-not-found").wait_for()
    assert title not in maria.content()

    owner_page = new_page()
    sign_in(owner_page, base, "owner")
    owner_page.goto(f"{base}/workflows/approvals/{request_id}")
    owner_page.locator("#approval-notice").wait_for()
    assert owner_page.locator("#execution-link").get_attribute("href") == f"/workflows/executions/{execution_id}"


def test_the_email_link_opens_the_approval_page_and_a_get_never_decides(app_server, new_page):
    base, tag = app_server["url"], uuid.uuid4().hex[:6]
    owner = api_login(base, "owner")
    wf = _workflow(base, owner, f"Mailed {tag}", approvers="alice", sendNotification="true",
                   emailSubject="Please decide: {{title}}")
    execution_id = _start_paused(base, owner, wf, f"M-{tag}")
    with db.read_session(app_server["db_url"]) as s:
        mail = s.exec(select(EmailMessage).where(EmailMessage.execution_id == execution_id)).scalars().one()
    assert mail.to_address == "alice@example.com" and mail.subject == f"Please decide: Approve order M-{tag}"
    link = re.search(r"https?://\S+/workflows/approvals/[\w-]+", mail.body)[0]
    assert link.startswith(base)

    alice = new_page()
    alice.goto(link)
    alice.wait_for_url(re.compile(r".*/login\?next=/workflows/approvals/.+"))
    alice.fill("#user_name", "alice")
    alice.fill("#password", "wayvo-demo")
    alice.click("#sign-in")
    alice.wait_for_url(link)
    alice.locator("#approval-title").filter(has_text=f"Approve order M-{tag}").wait_for()
    alice.reload()
    alice.locator("#approve").wait_for()
    request = _request_of(base, api_login(base, "alice"), execution_id)
    assert request["status"] == "pending" and request["decisions"] == []

    _decide(alice, "approve")
    done = wait_for(lambda: (e := _execution(base, owner, execution_id))["status"] != "paused" and e,
                    "the execution to finish")
    assert done["status"] == "success"


def test_the_inbox_updates_live_and_bulk_decisions_report_each_request(app_server, new_page):
    base, tag = app_server["url"], uuid.uuid4().hex[:6]
    owner, bob_api = api_login(base, "owner"), api_login(base, "bob")
    wf = _workflow(base, owner, f"Bulk {tag}", approvers="bob", approvalType="single")
    first = _start_paused(base, owner, wf, f"B1-{tag}")

    bob = new_page()
    sign_in(bob, base, "bob")
    bob.goto(f"{base}/workflows/approvals")
    bob.fill("#inbox-search", tag)
    _row(bob, f"Approve order B1-{tag}").wait_for()
    badge = bob.locator("#nav-pending-count")
    badge.wait_for()
    before = int(badge.inner_text())
    second = _start_paused(base, owner, wf, f"B2-{tag}")
    _row(bob, f"Approve order B2-{tag}").wait_for(timeout=10000)  # no reload: the page polls
    wait_for(lambda: int(badge.inner_text()) == before + 1, "the navigation count to grow", 10)

    bob.click("#select-all")
    bob.fill("#bulk-comment", "Batch OK")
    bob.click("#bulk-approve")
    bob.get_by_role("alertdialog").wait_for()
    # Meanwhile the first request is decided elsewhere: the bulk result must say so for that one only.
    r = httpx.post(f"{base}/api/workflow/approvals/{_request_of(base, bob_api, first)['id']}/decide",
                   json={"decision": "approved"}, headers=bob_api, timeout=10)
    assert r.status_code == 200, r.text
    bob.click("#bulk-confirm")
    results = bob.locator("#bulk-results .bulk-result")
    results.nth(1).wait_for()
    texts = sorted(results.all_inner_texts())
    assert texts[0].startswith(f"Approve order B1-{tag}") and "already" in texts[0], texts
    assert texts[1].startswith(f"Approve order B2-{tag}") and "Approved" in texts[1], texts
    for execution_id in (first, second):
        wait_for(lambda eid=execution_id: _execution(base, owner, eid)["status"] == "success", "success")
    decided = _request_of(base, bob_api, second)["decisions"]
    assert [(d["userName"], d["comment"]) for d in decided] == [("bob", "Batch OK")]


def test_the_approval_page_fits_a_phone(app_server, new_page):
    base, tag = app_server["url"], uuid.uuid4().hex[:6]
    owner = api_login(base, "owner")
    wf = _workflow(base, owner, f"Phone {tag}", approvers="alice,bob", approvalType="all",
                   title="Approve the supplier contract renewal for the Lyon warehouse, order {{Trigger.orderId}}",
                   description=DESCRIPTION, contextData=CONTEXT, expiresIn="3d")
    execution_id = _start_paused(base, owner, wf, f"P-{tag}")
    request_id = _request_of(base, api_login(base, "alice"), execution_id)["id"]

    phone = new_page(375, 740, is_mobile=True, has_touch=True)
    sign_in(phone, base, "alice")
    phone.goto(f"{base}/workflows/approvals/{request_id}")
    phone.locator("#approve").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    for selector in ("#approve", "#reject", "#approval-title", "#decision-comment"):
        box = phone.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (selector, box)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "approval-page-phone-375.png"), full_page=True)
    _decide(phone, "approve", "Fine from my phone")
    assert "You approved this request" in phone.locator("#approval-message").inner_text()
    phone.goto(f"{base}/workflows/approvals")
    phone.click("#tab-all")
    _row(phone, tag).wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(ARTIFACTS / "approvals-inbox-phone-375.png"), full_page=True)


def test_triage_from_the_keyboard_preview_and_approve_then_next(app_server, new_page):
    """An approver works through the inbox without the mouse (j/k/p/a/r), reads a preview in the
    row, and on the approval page "Approve & next" opens the next request waiting for them."""
    base, tag = app_server["url"], uuid.uuid4().hex[:6]
    owner = api_login(base, "owner")
    wf = _workflow(base, owner, f"Triage {tag}", approvers="alice", approvalType="single",
                   description=DESCRIPTION, contextData=CONTEXT)
    ids = [_start_paused(base, owner, wf, f"T{n}-{tag}") for n in (1, 2, 3, 4)]

    alice = new_page()
    sign_in(alice, base, "alice")
    alice.goto(f"{base}/workflows/approvals")
    alice.fill("#inbox-search", tag)
    rows = alice.locator(".inbox-row")
    wait_for(lambda: rows.count() == 4, "four requests")
    alice.locator("#inbox-keys-help").wait_for()
    alice.locator("body").click(position={"x": 5, "y": 5})  # leave the search box: keys act on rows
    alice.keyboard.press("j")
    focused = alice.evaluate("document.activeElement.classList.contains('inbox-row')")
    assert focused, "j focuses the first row"
    first_title = alice.evaluate("document.activeElement.querySelector('.row-title').innerText")
    alice.keyboard.press("p")  # the preview opens inside the row: description and context
    preview = alice.locator(".row-preview-body")
    preview.wait_for()
    assert "express" in preview.inner_text() and "1250" in preview.inner_text()
    assert alice.evaluate("window.__pwned") is None
    alice.keyboard.press("a")  # approve the focused row
    alice.locator("#bulk-results .bulk-result", has_text="Approved").wait_for()
    assert first_title in alice.locator("#bulk-results").inner_text()
    wait_for(lambda: rows.count() == 3, "the decided request to leave the Pending tab")
    alice.keyboard.press("j")
    second_title = alice.evaluate("document.activeElement.querySelector('.row-title').innerText")
    alice.keyboard.press("r")
    alice.locator("#bulk-results .bulk-result", has_text="Rejected").wait_for()
    assert second_title in alice.locator("#bulk-results").inner_text()
    wait_for(lambda: rows.count() == 2, "the rejected request to leave the Pending tab")

    alice.click("#tab-decided")  # my decisions, with when I made them
    mine = alice.locator(".inbox-row .my-decision")
    wait_for(lambda: mine.count() >= 2, "my two decisions")
    texts = mine.all_inner_texts()
    assert any(t.startswith("You approved just now") for t in texts), texts
    assert any(t.startswith("You rejected just now") for t in texts), texts

    alice.click("#tab-pending")
    wait_for(lambda: rows.count() == 2, "two requests left")
    alice.locator(".inbox-row .row-title").first.click()
    alice.wait_for_url(re.compile(r".*/workflows/approvals/[0-9a-f-]{36}$"))
    here = alice.url
    alice.locator("#approve").wait_for()  # the page has loaded the request before it is decided
    alice.click("#approve-next")
    dialog = alice.get_by_role("alertdialog")
    dialog.get_by_text("Then the next request waiting for you opens").wait_for()
    alice.click("#confirm-decision")
    # Playwright's own wait (it processes the navigation events; polling page.url from a sleep loop does not)
    alice.wait_for_url(lambda url: url != here and re.search(r"/workflows/approvals/[0-9a-f-]{36}/?$", url))
    alice.locator("#approve").wait_for()  # the next one can be decided at once
    statuses = sorted(_execution(base, owner, eid)["status"] for eid in ids)
    assert statuses.count("paused") <= 2
