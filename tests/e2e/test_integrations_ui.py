"""/settings/integrations: add SMS credentials (stored encrypted, never shown), list, delete."""

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def _add_integration(page, base: str, user: str, name: str, api_key: str) -> None:
    """Sign in as `user`, open the (empty) integrations page and save one SMS account."""
    sign_in(page, base, user)
    page.goto(f"{base}/settings/integrations")
    page.get_by_text("No integrations yet").wait_for()
    page.fill("input[name=name]", name)
    page.fill("input[name=apiKey]", api_key)
    page.click("#save-integration")
    page.locator("#integrations-list").get_by_text(name).wait_for()


def test_add_list_and_delete_an_integration(app_server, page):
    _add_integration(page, app_server["url"], "bob", "Bob's SMS account", "sk-live-very-secret-123")
    assert "sk-live-very-secret-123" not in page.content()
    engine = create_engine(app_server["db_url"])
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT config_encrypted FROM integrations WHERE name = :n"),
                              {"n": "Bob's SMS account"}).scalar()
    engine.dispose()
    assert stored and "sk-live-very-secret-123" not in stored
    page.locator("input[name=apiKey]").wait_for()  # the form is ready for another account
    page.screenshot(path="test-artifacts/integrations-saved.png")
    page.get_by_role("button", name="Delete").click()
    page.click("#confirm-delete")
    page.get_by_text("No integrations yet").wait_for()


def test_a_reconnect_keeps_the_open_delete_dialog(app_server, page):
    """Reflex re-runs a page's on_load on every websocket reconnect: that must not close the
    dialog the user has open (a navigation back to the page does)."""
    base = app_server["url"]
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    _add_integration(page, base, "maria", "Maria's SMS account", "sk-maria")
    page.get_by_role("button", name="Delete").click()
    page.locator("#confirm-delete").wait_for()
    before = len(sockets)
    # Drop the websocket the way the page does when hidden, then bring the page back: it
    # reconnects, rehydrates and runs the page's on_load again.
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}))")
    sockets[-1].wait_for_event("close")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    for _ in range(100):
        if len(sockets) > before:
            break
        page.wait_for_timeout(100)
    assert len(sockets) > before, "the page did not reconnect"
    page.wait_for_timeout(1500)  # the rehydrate and the page's on_load ran again
    assert page.locator("#confirm-delete").is_visible()
    page.click("#confirm-delete")
    page.get_by_text("No integrations yet").wait_for()
