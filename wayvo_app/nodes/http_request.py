"""HTTP Request: calls a URL through the guarded client, with a stable Idempotency-Key on every attempt."""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from wayvo_app.core.errors import StepError
from wayvo_app.core.limits import timeout_problem
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField, RetryPolicy, SelectOption
from wayvo_app.core.template_scan import bare_json_blocks, substitute
from wayvo_app.engine.http_guard import DEFAULT_MAX_BYTES, make_http_client, read_limited
from wayvo_app.nodes.fields import aware, choice, is_empty, maybe_render, render_object, render_text

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
METHOD_OPTIONS = tuple(SelectOption(method, method) for method in METHODS)
DEFAULT_TIMEOUT = 30.0
EXCERPT_CHARS = 300
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key", "api-key")


async def run(ctx: Any, config: dict[str, Any]) -> Completed:
    method = choice(str(config.get("httpMethod") or "").upper(), METHOD_OPTIONS, "GET", "httpMethod")
    url, headers, query, body, timeout = await ctx.off_loop(_rendered, ctx, config)
    if not any(name.lower() == "idempotency-key" for name in headers):
        headers["Idempotency-Key"] = ctx.idempotency_key
    ctx.resolved_input = {"httpMethod": method, "endpoint": url, "httpHeaders": _masked(headers),
                          "httpQuery": query, "httpBody": body[1] if body else None, "timeout": timeout}
    request_kwargs = _body_kwargs(body, headers)
    client = ctx.http if ctx.http is not None else make_http_client(ctx.settings or _settings(), timeout=timeout)
    try:
        request = client.build_request(method, url, headers=headers, params=query, timeout=timeout,
                                       **request_kwargs)
        return await _send(client, request, ctx)
    finally:
        if ctx.http is None:
            await client.aclose()


def _rendered(ctx: Any, config: dict[str, Any]) -> tuple[str, dict, dict, tuple[str, Any] | None, float]:
    """The templated parts of the request (run in a render thread): URL, headers, query, body, timeout."""
    url = _endpoint(ctx, config.get("endpoint"))
    headers = _headers(render_object(ctx, config.get("httpHeaders"), "httpHeaders"))
    query = _query(render_object(ctx, config.get("httpQuery"), "httpQuery"))
    body = _body(ctx, config.get("httpBody"))
    return url, headers, query, body, _timeout(maybe_render(ctx, config.get("timeout")))


def _settings() -> Any:
    from wayvo_app.settings import get_settings

    return get_settings()


def _endpoint(ctx: Any, value: Any) -> str:
    url = render_text(ctx, value).strip()
    if not url:
        raise StepError("HTTP Request needs an endpoint URL", retryable=False)
    if not re.match(r"https?://", url, re.I):
        raise StepError(f'Endpoint "{url}" must start with http:// or https://', retryable=False)
    return url


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _headers(values: dict[str, Any]) -> dict[str, str]:
    return {str(name): _text(value) for name, value in values.items() if value is not None}


def _query(values: dict[str, Any]) -> dict[str, Any]:
    """Query parameters: lists repeat a parameter, None drops it, the rest become text."""
    return {
        str(key): [_text(item) for item in value] if isinstance(value, list) else _text(value)
        for key, value in values.items()
        if value is not None
    }


def _body(ctx: Any, raw: Any) -> tuple[str, Any] | None:
    """("json", value) when the field is JSON (with templates as values), else ("text", text)."""
    if is_empty(raw):
        return None
    if not isinstance(raw, str):
        return "json", ctx.render(raw)
    if _is_json_text(raw):
        value = ctx.render_json(raw)
        return ("text", value) if isinstance(value, str) else ("json", value)
    return "text", render_text(ctx, raw)


def _is_json_text(text: str) -> bool:
    """JSON once every bare `{{ }}` block outside string literals stands for a value (a linear scan)."""
    stripped = substitute(text, bare_json_blocks(text), lambda block: "null")
    try:
        json.loads(stripped)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def _body_kwargs(body: tuple[str, Any] | None, headers: dict[str, str]) -> dict[str, Any]:
    if body is None:
        return {}
    kind, value = body
    if kind == "json":
        return {"json": value}
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "text/plain; charset=utf-8"
    return {"content": value.encode()}


def _timeout(value: Any) -> float:
    if is_empty(value):
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds >= 1 or seconds == float("inf"):
        raise StepError(f"timeout must be a number of seconds of at least 1, found {value!r}", retryable=False)
    problem = timeout_problem(seconds)
    if problem:
        raise StepError(f"timeout {problem}", retryable=False)
    return seconds


def _masked(headers: dict[str, str]) -> dict[str, str]:
    return {k: "••••••" if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}


def _where(request: httpx.Request) -> str:
    """Method and URL without the query string (which may carry keys)."""
    return f"{request.method} {request.url.copy_with(query=None, fragment=None)}"


async def _send(client: httpx.AsyncClient, request: httpx.Request, ctx: Any) -> Completed:
    try:
        response = await client.send(request, stream=True)
        content = await read_limited(response, DEFAULT_MAX_BYTES)
    except httpx.TimeoutException as exc:
        raise StepError(f"{_where(request)} timed out ({type(exc).__name__})", retryable=True) from exc
    except httpx.TooManyRedirects as exc:
        raise StepError(f"{_where(request)}: too many redirects", retryable=False) from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise StepError(f"{_where(request)}: {exc}", retryable=False) from exc
    except httpx.TransportError as exc:
        raise StepError(f"{_where(request)} failed: {exc or type(exc).__name__}", retryable=True) from exc
    ctx.logger.info(f"{_where(response.request)} -> {response.status_code}")
    _raise_for_status(response, content, ctx)
    body = _parse(response, content)
    return Completed({"status": response.status_code, "headers": dict(response.headers), "body": body})


def _parse(response: httpx.Response, content: bytes) -> Any:
    text = content.decode(response.encoding or "utf-8", errors="replace")
    if "json" in response.headers.get("content-type", "").lower() and text.strip():
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def _raise_for_status(response: httpx.Response, content: bytes, ctx: Any) -> None:
    status = response.status_code
    if status < 400:
        return
    excerpt = " ".join(content[:EXCERPT_CHARS * 4].decode("utf-8", errors="replace").split())
    excerpt = excerpt[:EXCERPT_CHARS] + ("…" if len(excerpt) > EXCERPT_CHARS else "")
    message = f"HTTP {status} {response.reason_phrase} from {_where(response.request)}"
    message += f": {excerpt}" if excerpt else ""
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("retry-after"), ctx.now)
        raise StepError(message, retryable=True, retry_after=retry_after)
    raise StepError(message, retryable=False)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (aware(moment) - aware(now)).total_seconds())


SPEC = NodeSpec(
    action_type="HTTP Request",
    label="HTTP Request",
    description="Call an HTTP API and use its response in later steps",
    category="Actions",
    icon="globe",
    config_fields=(
        ConfigField("httpMethod", "Method", type="select", default="GET", options=METHOD_OPTIONS),
        ConfigField("endpoint", "URL", required=True, placeholder="https://api.example.com/orders/{{Trigger.orderId}}"),
        ConfigField("httpHeaders", "Headers", type="template-textarea", rows=4,
                    placeholder='{"Authorization": "Bearer ..."}', description="A JSON object"),
        ConfigField("httpQuery", "Query Parameters", type="template-textarea", rows=3,
                    placeholder='{"page": 1}', description="A JSON object"),
        ConfigField("httpBody", "Body", type="template-textarea", rows=6,
                    placeholder='{"orderId": "{{Trigger.orderId}}"}',
                    description="JSON (sent as application/json) or text"),
        ConfigField("timeout", "Timeout (seconds)", type="number", min=1, default=30),
    ),
    output_fields=(
        OutputField("status", "The HTTP status code"),
        OutputField("headers", "The response headers (lower-case names)"),
        OutputField("body", "The response body, parsed when it is JSON"),
    ),
    retry=RetryPolicy(max_attempts=3, initial_delay=1.0, backoff=2.0, max_delay=30.0),
    run=run,
)
