"""/settings/members in Chromium: an admin creates a shared workspace, adds a member, changes the
member's role, and cannot remove the last admin; the switcher shows the new workspace."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e


def _workspaces_of(base: str, user: str) -> list[dict]:
    login = httpx.post(f"{base}/api/auth/login", json={"userName": user, "password": "wayvo-demo"}, timeout=10)
    token = login.json()["token"]
    return httpx.get(f"{base}/api/workspaces", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()


def test_an_admin_adds_a_member_and_changes_the_role(app_server, new_page):
    base, team = app_server["url"], f"Finance {uuid.uuid4().hex[:6]}"
    page = new_page()
    sign_in(page, base, "owner")
    page.goto(f"{base}/settings/members")
    page.locator("#personal-workspace").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "members-personal-laptop.png"), full_page=True)

    page.fill("#workspace-name", team)
    page.click("#create-workspace")
    page.locator("#add-member").wait_for()
    assert team in page.locator("#current-workspace").inner_text()
    assert team in page.locator("#workspace-switcher").inner_text()

    page.fill("#member-user-name", "alice")
    page.click("#add-member")
    row = page.locator(".member-row", has_text="Alice Approver")
    row.wait_for()
    assert "member" in row.get_by_role("combobox").inner_text()
    assert {"name": team, "role": "member"}.items() <= next(
        w for w in _workspaces_of(base, "alice") if w["name"] == team).items()

    row.get_by_role("combobox").click()
    page.get_by_role("option", name="operator").click()
    page.get_by_text("alice is now operator").wait_for()
    assert next(w for w in _workspaces_of(base, "alice") if w["name"] == team)["role"] == "operator"
    page.reload()
    row.wait_for()
    assert "operator" in row.get_by_role("combobox").inner_text()

    # The operator sees the members but no controls, once they switch to the workspace.
    other = new_page()
    sign_in(other, base, "alice")
    other.goto(f"{base}/settings/members")
    other.locator("#workspace-switcher").click()
    other.get_by_role("option", name=team).click()
    other.locator(".member-row", has_text="Olivia Owner").wait_for()  # the page loaded the new workspace
    other.locator("#not-admin").wait_for()
    assert other.locator(".member-row").count() == 2 and other.get_by_role("button", name="Remove owner").count() == 0
    other.screenshot(path=str(ARTIFACTS / "members-operator-laptop.png"), full_page=True)

    page.locator(".member-row", has_text="Olivia Owner").get_by_role("button", name="Remove owner").click()
    page.click("#confirm-remove")
    page.get_by_text("The last admin of a workspace cannot be removed").wait_for()
    assert page.locator(".member-row", has_text="Olivia Owner").count() == 1
    page.screenshot(path=str(ARTIFACTS / "members-laptop.png"), full_page=True)

    page.locator(".member-row", has_text="Alice Approver").get_by_role("button", name="Remove alice").click()
    page.click("#confirm-remove")
    page.locator(".member-row", has_text="Alice Approver").wait_for(state="detached")
    assert all(w["name"] != team for w in _workspaces_of(base, "alice"))

    # The admin renames the workspace, then deletes it (it holds no workflows): back to the personal one.
    page.fill("#workspace-new-name", f"{team} renamed")
    page.click("#rename-workspace")
    page.get_by_text("Workspace renamed to").wait_for()
    assert f"{team} renamed" in page.locator("#current-workspace").inner_text()
    assert f"{team} renamed" in page.locator("#workspace-switcher").inner_text()
    page.screenshot(path=str(ARTIFACTS / "members-workspace-settings-laptop.png"), full_page=True)
    page.click("#delete-workspace")
    page.locator("#confirm-delete-workspace").wait_for()
    page.screenshot(path=str(ARTIFACTS / "members-delete-dialog-laptop.png"))
    page.click("#confirm-delete-workspace")
    page.locator("#personal-workspace").wait_for()
    assert all(not w["name"].startswith(team) for w in _workspaces_of(base, "owner"))
