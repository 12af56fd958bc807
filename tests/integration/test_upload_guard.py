"""The upload endpoint (Reflex's /_upload, used by the workflow import) behind UploadGuard, on a real
server on loopback: no session, no body read; an oversized body is refused with 413 while it
streams and is never read to its end; a small one reaches the endpoint whole."""

from __future__ import annotations

import json
import select
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse

from tests.helpers import make_user
from wayvo_app.api.app import create_api
from wayvo_app.api.upload_guard import MAX_UPLOAD_BYTES
from wayvo_app.services import accounts
from wayvo_app.settings import get_settings
from wayvo_app.state import SESSION_COOKIE
from wayvo_app.store import db

CHUNK = 64 * 1024
TOTAL = 64 * 1024 * 1024  # far more than loopback socket buffers can swallow


class Counting:
    """The server's ASGI app, counting the request-body bytes the app below pulled in."""

    def __init__(self, app):
        self.app, self.received = app, 0

    async def __call__(self, scope, receive, send):
        async def counted():
            message = await receive()
            self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted if scope["type"] == "http" else receive, send)


@pytest.fixture
def server(db_url):
    api = create_api()

    async def upload_endpoint(request: Request):  # stands in for Reflex's upload route
        return JSONResponse({"bytes": len(await request.body())})

    api.add_route("/_upload", upload_endpoint, methods=["POST"])
    app = Counting(api)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield port, app
    srv.should_exit = True
    thread.join(10)


def _cookie() -> str:
    make_user("uploader")
    with db.session() as s:
        token, _ = accounts.start_session(s, accounts.find_user(s, "uploader"), get_settings().secret_key)
    return f"{SESSION_COOKIE}={token}"


def _stream_until_answered(port: int, cookie: str) -> tuple[int, dict, int]:
    """POSTs a chunked body of TOTAL bytes, stopping as soon as the server answers; returns the
    status, the JSON answer and how many body bytes were sent."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall((f"POST /_upload HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                  "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    sent, answer, payload = 0, b"", b"a" * CHUNK
    try:
        while sent < TOTAL and not select.select([sock], [], [], 0)[0]:
            sock.sendall(f"{CHUNK:x}\r\n".encode() + payload + b"\r\n")
            sent += CHUNK
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed: the answer is waiting in our receive buffer
    sock.settimeout(10)
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    sock.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body), sent


def test_an_upload_without_a_session_is_refused_before_its_body_is_read(server):
    port, app = server
    response = httpx.post(f"http://127.0.0.1:{port}/_upload", content=b"x" * 1000,
                          headers={"Cookie": f"{SESSION_COOKIE}=not-a-session"})
    assert response.status_code == 401
    assert response.json() == {"error": "Sign in to upload files", "code": "unauthorized"}
    assert app.received == 0
    assert httpx.post(f"http://127.0.0.1:{port}/_upload", content=b"x").status_code == 401


def test_an_oversized_upload_is_refused_while_streaming_and_never_read_to_the_end(server):
    port, app = server
    status, answer, sent = _stream_until_answered(port, _cookie())
    assert status == 413
    assert answer["code"] == "payload_too_large" and "exceeds" in answer["error"]
    # The guard stopped at the first message past the limit (the server buffers a few chunks into
    # one message), and answered long before the end.
    assert MAX_UPLOAD_BYTES < app.received <= MAX_UPLOAD_BYTES + 8 * CHUNK
    assert sent < TOTAL


def test_a_declared_oversized_upload_is_refused_without_reading(server):
    port, app = server
    headers = {"Cookie": _cookie(), "Content-Length": str(MAX_UPLOAD_BYTES + 1)}
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(("POST /_upload HTTP/1.1\r\nHost: x\r\n"
                      + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode())
        sock.settimeout(10)
        assert sock.recv(100).split()[1] == b"413"
    assert app.received == 0


def test_a_small_upload_of_a_signed_in_user_reaches_the_endpoint_whole(server):
    port, _ = server
    body = b"y" * (MAX_UPLOAD_BYTES - 10)
    response = httpx.post(f"http://127.0.0.1:{port}/_upload", content=body, headers={"Cookie": _cookie()})
    assert response.status_code == 200
    assert response.json() == {"bytes": len(body)}
