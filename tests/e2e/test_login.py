"""Sign in through the real login page, see the workflows page, sign out."""

import re

import pytest

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_protected_page_redirects_to_login(app_server, page):
    page.goto(f"{app_server['url']}/workflows")
    page.wait_for_url("**/login?next=/workflows")
    page.locator("#sign-in").wait_for(state="visible")


def test_wrong_password_shows_an_error(app_server, page):
    page.goto(f"{app_server['url']}/login")
    page.fill("#user_name", "owner")
    page.fill("#password", "not-the-password")
    page.click("#sign-in")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Invalid user name or password" in alert.inner_text()
    assert page.url.rstrip("/").endswith("/login")


def test_sign_in_shows_workflows_then_sign_out(app_server, page):
    base = app_server["url"]
    sign_in(page, base)
    page.get_by_role("heading", name="Workflows").wait_for()
    page.locator("#workflows-list").get_by_text("Order approval").wait_for()
    assert page.get_by_text("Olivia Owner").is_visible()
    page.click("#user-menu")
    page.click("#sign-out")
    page.wait_for_url(re.compile(r".*/login/?$"))
    page.goto(f"{base}/workflows")
    page.wait_for_url("**/login?next=/workflows")
