"""API documentation served from this process: the OpenAPI schema (with bearer authentication
described) and a readable HTML page rendered from it, no CDN needed."""

from __future__ import annotations

import html
import json

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from wayvo_app import routes
from wayvo_app.api.scopes import scope_text

AUTH_TEXT = ("Send `Authorization: Bearer <token>`: a session token from POST /api/auth/login, or a "
             "workflow API key (`wfb_...`) from POST /api/api-keys/create, which acts for its creator "
             "(with the creator's current role, in the key's workspace only, within its scopes: execute, "
             "signal, approve, manage; a route outside them answers 403). "
             "The signal and webhook routes take API keys only. Errors are "
             '{"error": "<message>", "code": "<snake_case_code>"}.')

# Routes that read their JSON body themselves (any workflow document or payload) declare it here.
JSON_BODIES = {
    (routes.API_WORKFLOWS, "post"): "A workflow document (React Flow nodes and edges, contract §3)",
    (routes.API_WORKFLOWS + "/{workflow_id}", "put"): "A workflow document (React Flow nodes and edges)",
    (routes.execute("{workflow_id}"), "post"): '{"input": {...}, "version": 2 (optional)}',
    (routes.webhook("{workflow_id}"), "post"): "Any JSON object: the trigger input",
    (routes.API_SIGNAL, "post"):
        '{"eventNamespace": "...", "eventKey": "...", "payload": {...}, "bufferFor": "10m" (optional)}',
    (routes.API_EXECUTIONS + "/{execution_id}/retry", "post"): '{"from": "failed" | "start"}',
}


def install_openapi(api: FastAPI) -> None:
    def schema() -> dict:
        if api.openapi_schema:
            return api.openapi_schema
        spec = get_openapi(title=api.title, version=api.version, routes=api.routes, description=AUTH_TEXT)
        spec.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": AUTH_TEXT}}
        for (path, method), text in JSON_BODIES.items():
            operation = spec["paths"].get(path, {}).get(method)
            if operation is not None:
                operation["requestBody"] = {"required": True, "description": text,
                                            "content": {"application/json": {"schema": {"type": "object"}}}}
        for path, operations in spec["paths"].items():
            if path not in (routes.API_LOGIN, routes.API_DOCS):
                for method, operation in operations.items():
                    operation.setdefault("security", [{"bearer": []}])  # an open route declares []
                    operation["x-api-key-scope"] = scope_text(method, path)
        api.openapi_schema = spec
        return spec

    api.openapi = schema

    @api.get(routes.API_DOCS, include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(render_docs(api.openapi()))


def _operation_html(path: str, method: str, op: dict) -> str:
    parts = [f'<section><h3><span class="m {method}">{method.upper()}</span> <code>{html.escape(path)}</code></h3>']
    if op.get("summary"):
        parts.append(f"<p><b>{html.escape(op['summary'])}</b></p>")
    if op.get("description"):
        parts.append(f"<p>{html.escape(op['description'])}</p>")
    params = [p for p in op.get("parameters", [])]
    if params:
        rows = "".join(f"<li><code>{html.escape(p['name'])}</code> ({p['in']})</li>" for p in params)
        parts.append(f"<p>Parameters:</p><ul>{rows}</ul>")
    body = op.get("requestBody")
    if body:
        schema = body.get("content", {}).get("application/json", {}).get("schema", {})
        parts.append(f"<p>Body: {html.escape(body.get('description', ''))}</p>")
        parts.append(f"<pre>{html.escape(json.dumps(schema, indent=2))}</pre>")
    example = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("example")
    if example is not None:
        parts.append(f"<p>Example response:</p><pre>{html.escape(json.dumps(example, indent=2))}</pre>")
    auth = f"Bearer token or API key ({op.get('x-api-key-scope')})" if op.get("security") else "none"
    parts.append(f"<p class='auth'>Authentication: {auth}</p></section>")
    return "".join(parts)


def render_docs(spec: dict) -> str:
    sections = [_operation_html(path, method, op)
                for path, ops in sorted(spec["paths"].items()) for method, op in ops.items()]
    style = ("body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:2rem auto;padding:0 1rem;color:#1e293b}"
             "section{border:1px solid #e2e8f0;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}"
             ".m{font:600 12px monospace;padding:2px 6px;border-radius:4px;background:#e0e7ff;color:#3730a3}"
             ".m.post{background:#dcfce7;color:#166534}.m.delete{background:#fee2e2;color:#991b1b}"
             ".m.put{background:#fef3c7;color:#92400e}pre{background:#f8fafc;padding:.5rem;overflow:auto}"
             ".auth{color:#64748b;font-size:13px}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(spec['info']['title'])}</title>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{style}</style></head>"
            f"<body><h1>{html.escape(spec['info']['title'])}</h1><p>{html.escape(AUTH_TEXT)}</p>"
            f"<p>Machine-readable schema: <a href='{routes.API_OPENAPI}'>{routes.API_OPENAPI}</a></p>"
            f"{''.join(sections)}</body></html>")
