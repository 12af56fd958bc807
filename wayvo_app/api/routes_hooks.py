"""POST /api/hooks/{token}: a Webhook trigger's secret URL for senders that cannot add an
Authorization header (payment providers, Git hosts, form tools). The unguessable token is the
credential; an optional HMAC signature proves the body (services/webhooks.py)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from wayvo_app import routes
from wayvo_app.services import webhooks

router = APIRouter(tags=["webhooks"])

_STARTED = {"executionId": "5f0c6f5e-0000-4000-8000-000000000001", "status": "running"}
_FINISHED = {"executionId": "5f0c6f5e-0000-4000-8000-000000000001", "status": "success",
             "output": {"status": 200, "body": {"ok": True}}}
_REFUSED = {"error": "Bad signature in X-Hub-Signature-256: it does not match the body and the signing secret",
            "code": "invalid_signature"}
DESCRIPTION = (
    "Starts the latest published version of the workflow whose Webhook trigger owns this URL (shown, "
    "copied and rotated in the builder's trigger panel). No Authorization header: the token in the path "
    "is the credential, so this route takes no API key and has no scope. The body (JSON, or "
    "application/x-www-form-urlencoded fields as an object) is the trigger input, checked against its "
    "input schema. With a signature style on the trigger, the HMAC-SHA256 of the raw body with the "
    "trigger's signing secret must be in the configured header: `sha256=<hex>` (GitHub style) or "
    "`t=<unix>,v1=<hex>` over `t.body` (Stripe style, refused outside the timestamp tolerance). A "
    "refused signature answers 401 naming what failed and starts nothing; an unknown or rotated token "
    "404; a workflow never published 409. The trigger's Respond setting answers at once (202) or waits "
    "for the execution to finish (200 with its output; 202 when the wait passes its limit).")


@router.post(routes.hook("{token}"), summary="Start a workflow from its webhook URL", description=DESCRIPTION,
             openapi_extra={"security": [], "requestBody": {
                 "required": False, "description": "The trigger input: a JSON object or form fields",
                 "content": {"application/json": {"schema": {"type": "object"}},
                             "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}},
             responses={200: {"description": "Finished (Respond: when the workflow finishes)",
                              "content": {"application/json": {"example": _FINISHED}}},
                        202: {"description": "Started", "content": {"application/json": {"example": _STARTED}}},
                        401: {"description": "Signature missing, wrong or too old",
                              "content": {"application/json": {"example": _REFUSED}}},
                        404: {"description": "Unknown or rotated token"}})
async def receive_hook(token: str, request: Request) -> JSONResponse:
    raw = await request.body()
    delivery = await asyncio.to_thread(webhooks.receive, token, raw, request.headers.get("content-type", ""),
                                       request.headers)
    started = {"executionId": delivery.execution_id, "status": "running"}
    if delivery.respond == "whenFinished":
        answer = await webhooks.wait_for_finish(delivery.execution_id, delivery.wait_seconds,
                                                 delivery.owner_id)
        if answer is not None:
            return JSONResponse(answer, status_code=200)
    return JSONResponse(started, status_code=202)
