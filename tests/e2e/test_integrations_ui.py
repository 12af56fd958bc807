"""/settings/integrations: add SMS credentials (stored encrypted, never shown), list, delete."""

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_add_list_and_delete_an_integration(app_server, page):
    base = app_server["url"]
    sign_in(page, base, "bob")
    page.goto(f"{base}/settings/integrations")
    page.get_by_text("No integrations yet").wait_for()
    page.fill("input[name=name]", "Bob's SMS account")
    page.fill("input[name=apiKey]", "sk-live-very-secret-123")
    page.click("#save-integration")
    row = page.locator("#integrations-list").get_by_text("Bob's SMS account")
    row.wait_for()
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
