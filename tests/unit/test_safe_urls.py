"""Links that leave the app's control: the page after sign-in (issue 16 item 14) and the approval
link in the system's own e-mails (item 16) stay on the app's own origin."""

from urllib.parse import urljoin, urlsplit

import pytest

from wayvo_app import routes
from wayvo_app.mail.approval_email import approval_link

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


@pytest.mark.parametrize("url", [
    APP, APP + "/", APP + "/my/approvals/r9", APP + "/workflows/approvals/r9?from=mail"])
def test_urls_under_the_app_url(url):
    assert routes.is_under(url, APP)


@pytest.mark.parametrize("url", [
    "https://portal.example.com/approve?id=r9", "http://flows.example.com/x", "https://flows.example.com.evil.io/",
    "https://flows.example.com@evil.io/", "https://flows.example.com:8443/x", "https://flows.example.com\\@evil.io",
    "//evil.io/x", "/relative", "javascript:alert(1)", "https://flows.example.com/\nx"])
def test_urls_not_under_the_app_url(url):
    assert not routes.is_under(url, APP)


def test_under_a_base_with_a_path_means_below_that_path():
    assert routes.is_under("https://corp.example/wayvo/workflows/approvals/1", "https://corp.example/wayvo")
    assert not routes.is_under("https://corp.example/wayvolt/x", "https://corp.example/wayvo")
    assert not routes.is_under("https://corp.example/other", "https://corp.example/wayvo/")


def test_an_approval_link_outside_the_app_url_is_replaced_by_the_default_one():
    default = f"{APP}/workflows/approvals/r9"
    assert approval_link(APP, "r9", "https://portal.example.com/approve?id={id}") == default
    assert approval_link(APP, "r9", "{{appUrl}}@evil.io/{{id}}") == default
    assert approval_link(APP, "r9", "//evil.io/{{id}}") == f"{APP}//evil.io/r9"  # a path on the app's host
    assert approval_link(APP, "r9", "{{appUrl}}/custom/{{id}}") == f"{APP}/custom/r9"
