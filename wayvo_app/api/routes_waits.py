"""Routes: the signal API (workflow API keys) and approval requests (list, read, decide)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from wayvo_app import routes
from wayvo_app.api.auth import api_key_bearer, current_principal, key_authorizer
from wayvo_app.api.errors import status_for
from wayvo_app.core.errors import BadRequestError, EventAlreadyReceivedError, NoWaitingEventError
from wayvo_app.services import decisions
from wayvo_app.services.accounts import Principal
from wayvo_app.services.signals import deliver_signal, refusal_body

router = APIRouter()


class DecisionBody(BaseModel):
    decision: str = Field(pattern="^(approved|rejected)$")
    comment: str | None = Field(default=None, max_length=5000)


@router.post(routes.API_SIGNAL, tags=["events"])
async def signal(request: Request, token: str = Depends(api_key_bearer)):
    body: dict[str, Any] = await request.json() if (await request.body()).strip() else {}
    namespace, key, buffer_for = body.get("eventNamespace"), body.get("eventKey"), body.get("bufferFor")

    def check_body() -> None:  # after the key's checks, as a dependency's would come first
        if not isinstance(namespace, str) or not isinstance(key, str):
            raise BadRequestError("eventNamespace and eventKey must be strings")
        if buffer_for is not None and not isinstance(buffer_for, str):
            raise BadRequestError('bufferFor must be a duration such as "10m"')

    # One thread hop and one transaction: the key is checked in the signal's own transaction, and
    # the database work runs off the web worker's event loop.
    try:
        result = await asyncio.to_thread(
            deliver_signal, namespace=namespace, key=key, payload=body.get("payload"),
            buffer_for=buffer_for, idempotency_key=request.headers.get("idempotency-key"),
            authorize=key_authorizer(request, token, check_body))  # the key's workspace: a signal never leaves it
    except (NoWaitingEventError, EventAlreadyReceivedError) as exc:  # 404 / 409 in the signal's own shape
        return JSONResponse(refusal_body(exc), status_code=status_for(exc))
    return JSONResponse(result.body, status_code=202 if result.buffered else 200)


@router.get(routes.API_APPROVALS, tags=["approvals"])
def list_approvals(status: str | None = Query(default=None), workspaceId: str | None = Query(default=None),
                   me: Principal = Depends(current_principal)):
    if status is not None and status not in ("pending", "approved", "rejected", "expired", "cancelled"):
        raise BadRequestError("status must be pending, approved, rejected, expired or cancelled")
    return decisions.list_approvals(user_id=me, status=status, workspace_id=workspaceId)


@router.get(routes.API_APPROVALS + "/{request_id}", tags=["approvals"])
def read_approval(request_id: str, me: Principal = Depends(current_principal)):
    return decisions.read_approval(request_id=request_id, user_id=me)


@router.post(routes.API_APPROVALS + "/{request_id}/decide", tags=["approvals"])
async def decide(request_id: str, body: DecisionBody, me: Principal = Depends(current_principal)):
    decided = await asyncio.to_thread(
        lambda: decisions.decide_approval(request_id=request_id, user_name=me.user_name, decision=body.decision,
                                          comment=body.comment, workspace_id=me.workspace_id))
    return JSONResponse(decided)  # JSON values already: FastAPI's encoder would hand back the same
