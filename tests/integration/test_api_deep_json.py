"""Issue 16, item 9: JSON nested deeper than the parser's recursion limit gets a 400 from every
API route that takes a body, never a 500 (the depth is counted before the parser recurses)."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from wayvo_app.api.app import create_api
from wayvo_app.api.body_guard import MAX_JSON_DEPTH, check_json_object

DEEP = 100_000
BODIES = {
    "bare arrays": "[" * DEEP,
    "inside an object": '{"input": ' + "[" * DEEP + "]" * DEEP + "}",
    "objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "after a string with brackets and escapes": '{"s": "[[{\\"]]", "x": ' + "[" * DEEP + "}",
}


def _routes_with_a_body():
    """Every POST/PUT/PATCH the API documents, path parameters filled in."""
    routes = []
    for path, operations in create_api().openapi()["paths"].items():
        for method in sorted(operations):
            if method in ("post", "put", "patch"):
                routes.append((method.upper(), re.sub(r"\{[^}]+\}", "x1", path)))
    return routes


ROUTES = _routes_with_a_body()


def test_every_route_with_a_body_is_listed():
    assert ("POST", "/api/workflow/events/signal") in ROUTES and ("PUT", "/api/workflows/x1") in ROUTES
    assert len(ROUTES) >= 10


@pytest.fixture
async def api():
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_deep_json_gets_400_from_every_route(api, method, path):
    for name, body in BODIES.items():
        response = await api.request(method, path, content=body.encode(),
                                     headers={"content-type": "application/json"})
        assert response.status_code == 400, (name, response.text)
        assert response.json() == {"error": f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels",
                                   "code": "invalid_json"}, name


def test_the_depth_is_counted_in_linear_time():
    hostile = ('"\\' * 300_000) + "[" * 200_000
    started = time.process_time()
    for body in (*BODIES.values(), hostile):
        with pytest.raises(Exception, match="nested deeper|Malformed"):
            check_json_object(body.encode())
    assert time.process_time() - started < 1


def test_brackets_inside_strings_do_not_count():
    text = '{"s": "' + "[" * 1000 + '\\"' + "{" * 1000 + '", "n": [[1]]}'
    assert check_json_object(text.encode())["n"] == [[1]]
