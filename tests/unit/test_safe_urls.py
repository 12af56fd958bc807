"""Links that leave the app's control: the page after sign-in (issue 16 item 14) and the approval
link in the system's own e-mails (item 16) stay on the app's own origin."""

from urllib.parse import urljoin, urlsplit

import pytest

from wayvo_app import routes

APP = "https://flows.example.com"


@pytest.mark.parametrize("target", [
    "/workflows", "/workflows/abc/executions?status=error", "/workflows/approvals/a1#decide", "/"])
def test_local_paths_are_kept_after_sign_in(target):
    assert routes.local_path(target) == target


@pytest.mark.parametrize("target", [
    "/\\evil.example", "\\\\evil.example", "//evil.example", "/\t/evil.example", "/\n/evil.example",
    "https://evil.example/", "javascript:alert(1)", "evil.example", "", " /workflows", "/%0a/evil.example\x00",
    "http:/evil.example", "/\\/evil.example", "/ /evil.example"])
def test_anything_that_could_leave_the_origin_goes_to_the_workflows(target):
    assert routes.local_path(target) == routes.WORKFLOWS


@pytest.mark.parametrize("target", ["/workflows/x", "/\\evil.example", "//evil.example", "/a/../b"])
def test_what_is_kept_resolves_on_the_same_origin(target):
    kept = routes.local_path(target)
    assert urlsplit(urljoin(APP + "/login", kept)).netloc == urlsplit(APP).netloc
