"""/settings/api-keys in Chromium: create a key (shown once, copied to the clipboard), use it, list
it without the secret, revoke it and see it stop working."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.e2e


def test_create_copy_list_and_revoke_an_api_key(app_server, new_page):
    base, name = app_server["url"], f"CI deploy {uuid.uuid4().hex[:6]}"
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, base, "maria")
    page.click("a[href='/settings/api-keys']")
    page.wait_for_url("**/settings/api-keys")
    page.locator("#no-keys").wait_for()

    page.fill("#key-name", name)
    page.get_by_role("checkbox", name="manage").click()  # listing keys needs the manage scope
    page.click("#create-key")
    key = page.locator("#new-key").inner_text()
    assert key.startswith("wfb_") and len(key) > 30
    assert "will not be shown again" in page.locator("#key-warning").inner_text()
    assert page.locator("#key-name").input_value() == ""
    page.click("#copy-key")
    page.get_by_role("button", name="Copied").wait_for()
    # The label and the clipboard write come in one answer; the write (a promise) may land just after.
    page.wait_for_function("async (key) => (await navigator.clipboard.readText()) === key", arg=key, timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == key

    listed = httpx.get(f"{base}/api/api-keys", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert listed.status_code == 200 and [k["name"] for k in listed.json()] == [name]
    assert listed.json()[0]["scopes"] == ["execute", "signal", "manage"]
    row = page.locator(".key-row", has_text=name)
    assert key[:9] in row.inner_text() and "never" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-keys-new-key-laptop.png"), full_page=True)

    page.click("#dismiss-key")
    page.locator("#new-key-box").wait_for(state="detached")
    page.reload()
    row.wait_for()
    assert key not in page.content()
    assert "never" not in row.inner_text()  # last used: by the API call above

    row.get_by_role("button", name=f"Revoke {name}").click()
    dialog = page.get_by_role("alertdialog")
    assert name in dialog.inner_text()
    page.click("#confirm-revoke")
    page.locator("#no-keys").wait_for()
    revoked = httpx.get(f"{base}/api/api-keys", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert revoked.status_code == 401


def test_the_api_keys_page_fits_a_phone(app_server, new_page):
    base = app_server["url"]
    phone = new_page(375, 740, is_mobile=True, has_touch=True)
    sign_in(phone, base, "bob")
    phone.goto(f"{base}/settings/api-keys")
    phone.fill("#key-name", "Phone key")
    phone.click("#create-key")
    phone.locator("#new-key").wait_for()
    phone.locator(".key-row", has_text="Phone key").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    box = phone.locator("#copy-key").bounding_box()
    assert box["x"] + box["width"] <= 375
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "api-keys-phone-375.png"), full_page=True)
