"""ASGI middleware checking request bodies before any route runs: size, JSON form, depth."""

from __future__ import annotations

import json
import re
from itertools import accumulate

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_HEADER_BYTES = 16 * 1024  # all headers together
NUL_MESSAGE = "NUL characters (\\u0000) are not allowed"


class BadBody(Exception):
    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


# Escapes first (so `\"` cannot end a string), then string literals: both linear, no backtracking.
_ESCAPE = re.compile(r"\\.", re.S)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _text_depth(text: str) -> int:
    """How deep the brackets of JSON text nest, found by counting (the parser would recurse and
    raise RecursionError on 100,000 `[`). Strings are left out; malformed text is the parser's job."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _depth(value, limit: int) -> int:
    stack, deepest = [(value, 1)], 1
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def replaying(body: bytes, receive):
    """An ASGI `receive` that hands the app the body already read, then the rest of the stream."""
    sent = False

    async def replay():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def check_json_object(raw: bytes) -> dict:
    """The body as a dict, or BadBody(400) for malformed JSON, NaN/Infinity, or a non-object."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody(400, f"Malformed JSON body: {exc}", "invalid_json")
    if _text_depth(text) > MAX_JSON_DEPTH:
        raise BadBody(400, f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels", "invalid_json")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:  # belt and braces: the count above should have refused it
        raise BadBody(400, f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels", "invalid_json")
    except ValueError as exc:
        raise BadBody(400, f"Malformed JSON body: {exc}", "invalid_json")
    if not isinstance(value, dict):
        raise BadBody(400, "The JSON body must be an object", "invalid_json")
    if b"\\u0000" in raw:  # PostgreSQL text cannot hold NUL; refuse it before any work
        raise BadBody(400, NUL_MESSAGE, "invalid_json")
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise BadBody(400, f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels", "invalid_json")
    return value


HOOKS_PREFIX = "/api/hooks/"


def _json_expected(scope) -> bool:
    """Every body under /api is a JSON object, except a webhook's that says it is something else
    (form fields; the route refuses other types with 415). Size limits hold for all."""
    if not scope["path"].startswith(HOOKS_PREFIX):
        return True
    kind = next((v for k, v in scope.get("headers", []) if k == b"content-type"), b"").split(b";")[0].strip()
    return not kind or b"json" in kind.lower()


class BodyGuard:
    """For POST/PUT/PATCH under /api: 413 over 1 MiB, 400 unless a JSON object (or empty)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            size = sum(len(name) + len(value) for name, value in scope.get("headers", []))
            if size > MAX_HEADER_BYTES:
                return await self._reject(send, BadBody(431, "Request headers are too large", "headers_too_large"))
            if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
                return await self._reject(send, BadBody(400, NUL_MESSAGE, "invalid_request"))
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") \
                or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        try:
            body = await self._read(scope, receive)
            if body.strip() and _json_expected(scope):
                check_json_object(body)
        except BadBody as bad:
            return await self._reject(send, bad)
        await self.app(scope, replaying(body, receive), send)

    @staticmethod
    async def _read(scope, receive) -> bytes:
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
                raise BadBody(413, "Request body exceeds 1 MiB", "payload_too_large")
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BadBody(413, "Request body exceeds 1 MiB", "payload_too_large")
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    @staticmethod
    async def _reject(send, bad: BadBody):
        payload = json.dumps({"error": bad.message, "code": bad.code}).encode()
        await send({"type": "http.response.start", "status": bad.status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
