"""The HTTP Request node against a real HTTP server on loopback (allowed only by the setting)."""

import dataclasses
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.template_refs import TemplateScope
from wayvo_app.engine.context import StepContext
from wayvo_app.engine.http_guard import make_http_client
from wayvo_app.nodes import http_request
from wayvo_app.settings import load_settings

TRIGGER_INPUT = {"orderId": 42, "token": "s3cret-token", "note": "hi"}


class Handler(BaseHTTPRequestHandler):
    """Records each request; the path picks the response."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        url = urlsplit(self.path)
        seen = {"method": self.command, "path": url.path, "query": parse_qs(url.query),
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        self.server.seen.append(seen)
        route = getattr(self, "route_" + url.path.strip("/").split("/")[0], self.route_echo)
        route(url)

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route_echo(self, url):
        self._send(200, json.dumps({"ok": True, "seen": self.server.seen[-1]}).encode(),
                   [("Content-Type", "application/json"), ("X-Reply", "yes")])

    def route_text(self, url):
        self._send(200, b"plain words", [("Content-Type", "text/plain")])

    def route_status(self, url):
        status = int(url.path.rsplit("/", 1)[1])
        headers = [("Retry-After", "7")] if status == 429 else []
        self._send(status, b"not here, sorry" if status == 404 else b"server trouble", headers)

    def route_big(self, url):
        self._send(200, b"z" * 50_000, [("Content-Type", "text/plain")])

    def route_redirect(self, url):
        self._send(302, headers=[("Location", f"http://127.0.0.1:{self.server.server_port}/echo")])

    def route_slow(self, url):
        time.sleep(1.5)
        try:
            self._send(200, b"late")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as the test wants


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def base_url(server):
    server.seen.clear()
    return f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def strict_settings(monkeypatch):
    monkeypatch.setenv("WAYVO_SECRET_KEY", "test-secret-key-for-signing-and-encryption")
    return dataclasses.replace(load_settings(), http_allow_private=False, http_allowed_hosts=())


@pytest.fixture
def open_settings(strict_settings):
    return dataclasses.replace(strict_settings, http_allow_private=True)


def make_ctx(settings, http=None, execution_id="exec-1", node_id="n1"):
    return StepContext(
        execution_id=execution_id, workflow_id="wf-1", step_id="step-1", node_id=node_id,
        node_label="Call API", attempt=1, user_id="u1", user_name="alice", user_roles=(),
        now=datetime(2025, 1, 1, tzinfo=UTC),
        scope=TemplateScope(outputs={"t1": TRIGGER_INPUT}, labels={"Trigger": "t1"}, trigger_id="t1"),
        trigger_input=TRIGGER_INPUT, http=http, settings=settings,
    )


async def test_json_response_with_headers_query_and_body(base_url, server, open_settings):
    ctx = make_ctx(open_settings)
    outcome = await http_request.run(ctx, {
        "httpMethod": "POST",
        "endpoint": base_url + "/echo/{{Trigger.orderId}}",
        "httpHeaders": '{"Authorization": "Bearer {{Trigger.token}}", "X-Count": 3}',
        "httpQuery": '{"page": 2, "tag": ["a", "b"], "skip": null}',
        "httpBody": '{"orderId": {{Trigger.orderId}}, "note": "{{Trigger.note}}"}',
    })
    assert isinstance(outcome, Completed)
    assert outcome.output["status"] == 200
    assert outcome.output["headers"]["x-reply"] == "yes"
    seen = outcome.output["body"]["seen"]  # parsed JSON
    assert (seen["method"], seen["path"]) == ("POST", "/echo/42")
    assert seen["query"] == {"page": ["2"], "tag": ["a", "b"]}
    assert seen["headers"]["authorization"] == "Bearer s3cret-token"
    assert seen["headers"]["x-count"] == "3"
    assert seen["headers"]["content-type"] == "application/json"
    assert json.loads(seen["body"]) == {"orderId": 42, "note": "hi"}
    assert ctx.resolved_input["httpHeaders"]["Authorization"] == "••••••"


async def test_text_body_and_text_response(base_url, server, open_settings):
    outcome = await http_request.run(make_ctx(open_settings), {
        "httpMethod": "PUT", "endpoint": base_url + "/text", "httpBody": "Order {{Trigger.orderId}} is ready"})
    assert outcome.output["body"] == "plain words"
    assert server.seen[-1]["body"] == "Order 42 is ready"
    assert server.seen[-1]["headers"]["content-type"].startswith("text/plain")


async def test_idempotency_key_is_stable_across_attempts(base_url, server, open_settings):
    for attempt in (1, 2):
        ctx = make_ctx(open_settings)
        ctx.attempt = attempt
        await http_request.run(ctx, {"endpoint": base_url + "/echo"})
    other = make_ctx(open_settings, node_id="n2")
    await http_request.run(other, {"endpoint": base_url + "/echo"})
    keys = [seen["headers"]["idempotency-key"] for seen in server.seen]
    assert keys[0] == keys[1] == "exec-1:n1"
    assert keys[2] == "exec-1:n2"


@pytest.mark.parametrize(
    ("status", "retryable", "retry_after"),
    [(500, True, None), (503, True, None), (429, True, 7.0), (404, False, None), (400, False, None)],
)
async def test_error_statuses(base_url, open_settings, status, retryable, retry_after):
    with pytest.raises(StepError) as caught:
        await http_request.run(make_ctx(open_settings), {"endpoint": f"{base_url}/status/{status}"})
    error = caught.value
    assert (error.retryable, error.retry_after) == (retryable, retry_after)
    assert f"HTTP {status}" in error.message and f"GET {base_url}/status/{status}" in error.message
    if status == 404:
        assert error.message.endswith(": not here, sorry")


async def test_loopback_is_refused_without_the_setting(base_url, server, strict_settings):
    with pytest.raises(StepError) as caught:
        await http_request.run(make_ctx(strict_settings), {"endpoint": base_url + "/echo"})
    assert caught.value.retryable is False
    assert '"127.0.0.1": it resolves to 127.0.0.1, a loopback address' in caught.value.message
    assert server.seen == []


async def test_redirects_are_checked_too(base_url, server, strict_settings):
    # "localhost" is allowed by name; the redirect to 127.0.0.1 is not.
    settings = dataclasses.replace(strict_settings, http_allowed_hosts=("localhost",))
    url = f"http://localhost:{server.server_port}/redirect"
    with pytest.raises(StepError, match="127.0.0.1"):
        await http_request.run(make_ctx(settings), {"endpoint": url})
    assert [seen["path"] for seen in server.seen] == ["/redirect"]


async def test_redirects_are_followed_when_allowed(base_url, server, open_settings):
    outcome = await http_request.run(make_ctx(open_settings), {"endpoint": base_url + "/redirect"})
    assert outcome.output["body"]["ok"] is True


async def test_response_size_is_capped(base_url, open_settings):
    async with make_http_client(open_settings, max_bytes=10_000) as client:
        with pytest.raises(StepError, match="larger than 10000 bytes"):
            await http_request.run(make_ctx(open_settings, http=client), {"endpoint": base_url + "/big"})


async def test_timeouts_and_connection_errors_are_retryable(base_url, open_settings):
    with pytest.raises(StepError, match="timed out") as caught:
        await http_request.run(make_ctx(open_settings), {"endpoint": base_url + "/slow", "timeout": 1})
    assert caught.value.retryable is True
    closed_port = "http://127.0.0.1:9/"
    with pytest.raises(StepError, match="failed") as caught:
        await http_request.run(make_ctx(open_settings), {"endpoint": closed_port})
    assert caught.value.retryable is True


async def test_bad_config_is_not_retried(open_settings):
    for config in ({"endpoint": "ftp://x"}, {"endpoint": ""}, {"endpoint": "http://x", "httpMethod": "BREW"},
                   {"endpoint": "http://x", "timeout": 0}, {"endpoint": "http://x", "httpHeaders": "[1]"}):
        with pytest.raises(StepError) as caught:
            await http_request.run(make_ctx(open_settings), config)
        assert caught.value.retryable is False, config
