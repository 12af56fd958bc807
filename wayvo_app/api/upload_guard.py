"""ASGI middleware in front of Reflex's upload endpoint (the workflow import): a live session is
checked before any byte of the body is read, then the body is counted while it streams and
refused with 413 as soon as it passes the limit (the rest is never read)."""

from __future__ import annotations

import asyncio
from http.cookies import CookieError, SimpleCookie

from wayvo_app.api.body_guard import BadBody, BodyGuard, replaying
from wayvo_app.services import accounts
from wayvo_app.services.library import MAX_IMPORT_BYTES
from wayvo_app.settings import get_settings
from wayvo_app.state import SESSION_COOKIE

UPLOAD_PATH = "/_upload"
# The file itself is checked again by the import (1 MiB); the slack is the multipart headers.
MAX_UPLOAD_BYTES = MAX_IMPORT_BYTES + 64 * 1024
TOO_LARGE = BadBody(413, f"Upload exceeds {MAX_UPLOAD_BYTES} bytes (a workflow file may have 1 MiB)",
                    "payload_too_large")
SIGN_IN_FIRST = BadBody(401, "Sign in to upload files", "unauthorized")


def _header(scope, name: bytes) -> str:
    return next((value.decode("latin-1") for key, value in scope.get("headers", []) if key == name), "")


def session_token(scope) -> str:
    """The session cookie's value ('' without one); a malformed Cookie header counts as none."""
    cookies = SimpleCookie()
    try:
        cookies.load(_header(scope, b"cookie"))
    except CookieError:
        return ""
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else ""


async def _signed_in(scope) -> bool:
    token = session_token(scope)
    if not token:
        return False
    return await asyncio.to_thread(accounts.signed_in, token, get_settings().secret_key) is not None


async def read_at_most(receive, limit: int) -> bytes:
    """The whole body, or BadBody(413) once more than `limit` bytes came (nothing more is read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadBody(400, "The client went away during the upload", "client_disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


class UploadGuard:
    """POST /_upload: 401 without a live session, 413 past MAX_UPLOAD_BYTES (declared or counted)."""

    def __init__(self, app, limit: int = MAX_UPLOAD_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != UPLOAD_PATH:
            return await self.app(scope, receive, send)
        try:
            if not await _signed_in(scope):
                raise SIGN_IN_FIRST
            declared = _header(scope, b"content-length")
            if declared.isdigit() and int(declared) > self.limit:
                raise TOO_LARGE
            body = await read_at_most(receive, self.limit)
        except BadBody as bad:
            return await BodyGuard._reject(send, bad)
        await self.app(scope, replaying(body, receive), send)
