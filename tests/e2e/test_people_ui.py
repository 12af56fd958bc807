"""People in the browser: an administrator creates a user on /settings/users and disables them;
that user's open tab is signed out within seconds; non-administrators are refused."""

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e


def _row(page, user_name: str):
    return page.locator("tr.user-row").filter(has=page.get_by_text(user_name, exact=True))


def test_admin_creates_then_disables_a_user_whose_open_tab_is_signed_out(app_server, new_page):
    base = app_server["url"]
    admin = new_page()
    sign_in(admin, base)
    admin.click("#user-menu")
    admin.click("#menu-users")
    admin.wait_for_url(re.compile(r".*/settings/users/?$"))
    _row(admin, "alice").wait_for()
    admin.click("#new-user")
    for field, value in [("#user-user_name", "dora"), ("#user-display_name", "Dora Disabled"),
                         ("#user-email", "dora@example.com"), ("#user-roles", "manager"),
                         ("#user-password", "dora-password"), ("#user-confirm", "not-the-same")]:
        admin.fill(field, value)
    admin.click("#create-user")
    assert "differ" in admin.get_by_role("alert").inner_text()  # the dialog stays open with the error
    ARTIFACTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(ARTIFACTS / "settings-users-new-user-error.png"))
    admin.fill("#user-confirm", "dora-password")
    admin.click("#create-user")
    _row(admin, "dora").get_by_text("manager", exact=True).wait_for()
    admin.screenshot(path=str(ARTIFACTS / "settings-users.png"))
    admin.fill("#user-search", "nobody-like-this")
    admin.locator("#no-users").wait_for()
    admin.screenshot(path=str(ARTIFACTS / "settings-users-no-match.png"))
    admin.get_by_role("button", name="Clear the search").click()

    _row(admin, "dora").locator(".user-actions").click()
    admin.get_by_role("menuitem", name="Edit").click()
    assert admin.input_value("#user-roles") == "manager"
    admin.fill("#user-roles", "manager, finance")
    admin.screenshot(path=str(ARTIFACTS / "settings-users-edit.png"))
    admin.click("#save-user")
    _row(admin, "dora").get_by_text("finance", exact=True).wait_for()

    dora = new_page()
    sign_in(dora, base, "dora", "dora-password")
    dora.get_by_text("Dora Disabled").wait_for()
    dora.click("#user-menu")
    dora.locator("#menu-profile").wait_for()
    assert dora.locator("#menu-users").count() == 0  # no link for a non-administrator
    dora.keyboard.press("Escape")
    dora.goto(f"{base}/settings/users")
    dora.locator("#users-refused").wait_for()
    assert dora.locator("tr.user-row").count() == 0
    dora.screenshot(path=str(ARTIFACTS / "settings-users-refused.png"))
    dora.goto(f"{base}/settings/profile")
    dora.locator("#profile-email").wait_for()
    assert dora.input_value("#profile-email") == "dora@example.com"
    dora.screenshot(path=str(ARTIFACTS / "settings-profile.png"))

    _row(admin, "dora").locator(".user-actions").click()
    admin.locator(".disable-user").click()
    admin.locator("#confirm-disable").wait_for()
    admin.screenshot(path=str(ARTIFACTS / "settings-users-disable.png"))
    admin.click("#confirm-disable")
    _row(admin, "dora").get_by_text("Disabled", exact=True).wait_for()
    # Dora does nothing: her idle tab notices by itself.
    dora.wait_for_url(re.compile(r".*/login\?next=/settings/profile$"), timeout=10000)
    dora.fill("#user_name", "dora")
    dora.fill("#password", "dora-password")
    dora.click("#sign-in")
    assert "Invalid user name or password" in dora.get_by_role("alert").inner_text()

    _row(admin, "dora").locator(".user-actions").click()
    admin.locator(".enable-user").click()
    _row(admin, "dora").get_by_text("Active", exact=True).wait_for()
    # The previous menu must have finished closing, or this click only toggles it shut again.
    admin.locator('[role="menu"]').wait_for(state="detached")
    _row(admin, "dora").locator(".user-actions").click()
    admin.get_by_role("menuitem", name="Reset password").click()
    admin.fill("#user-password", "dora-second-pass")
    admin.fill("#user-confirm", "dora-second-pass")
    admin.screenshot(path=str(ARTIFACTS / "settings-users-reset-password.png"))
    admin.click("#reset-password")
    admin.get_by_text("Password of “dora” reset").wait_for()
    sign_in(dora, base, "dora", "dora-second-pass")
