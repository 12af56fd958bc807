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

from tests.e2e.conftest import api_login, sign_in, wait_for
from wayvo_app.demo_workflows import ORDER_APPROVAL
from wayvo_app.engine import accounts, db

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
