"""Routes: the executions list (filters, cursor paging), execution status, details (steps and logs),
cancel and retry. Services get the caller (`me`), so an API key acts only on executions of its own
workspace."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from wayvo_app import routes
from wayvo_app.api.auth import current_principal
from wayvo_app.services import execution_listing, execution_views
from wayvo_app.services import executions as commands
from wayvo_app.services.accounts import Principal

router = APIRouter(tags=["executions"])

LIST_EXAMPLE = {"executions": [{
    "id": "5f0c2a9e-7d1b-4c3e-9a55-2f1e8b7c6d40", "workflowId": "0b6d1f7a-3e2c-4f5a-8b9d-1c2e3f4a5b6c",
    "workflowName": "Order approval", "workspaceId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", "status": "error",
    "startedBy": "olga", "origin": "api_key", "triggerType": "Manual", "error": "HTTP 503 from billing",
    "startedAt": "2026-11-30T09:12:03.120000+00:00", "completedAt": "2026-11-30T09:12:04.800000+00:00",
    "retryOf": None, "parentExecutionId": None}],
    "nextCursor": "MjAyNi0xMS0zMFQwOToxMjowMy4xMjAwMDArMDA6MDB8NWYwYzJhOWU"}


@router.get(routes.API_EXECUTIONS, summary="List executions", responses={200: {
    "description": "The newest first; pass `nextCursor` back as `cursor` for the next page (null: no more)",
    "content": {"application/json": {"example": LIST_EXAMPLE}}}})
def list_executions(request: Request, workflowId: str | None = None, status: str | None = None,  # noqa: N803
                    startedBy: str | None = None, since: str | None = None, until: str | None = None,  # noqa: N803
                    origin: str | None = None, q: str | None = None, workspaceId: str | None = None,  # noqa: N803
                    limit: int | None = None, cursor: str | None = None,
                    me: Principal = Depends(current_principal)):
    """The executions the caller may see (operators: all of their workspaces; members: their own),
    newest first. Filters: `workflowId`, `status` (one or several, comma-separated), `startedBy` (a
    user name), `since`/`until` (ISO 8601), `origin` (ui, api, api_key, webhook, schedule, retry,
    parent, code), `q` (execution id prefix, input or error text), `workspaceId`. Paging: `limit`
    (1-200, default 50) and `cursor`, keyset on (startedAt, id): stable while new runs start."""
    return execution_listing.api_list(me.id, request.query_params, me.workspace_id)


@router.get(routes.API_EXECUTIONS + "/{execution_id}/status")
def execution_status(execution_id: str, me: Principal = Depends(current_principal)):
    return execution_views.status_of(execution_id, me)


@router.get(routes.API_EXECUTIONS + "/{execution_id}")
def execution(execution_id: str, me: Principal = Depends(current_principal)):
    return execution_views.details_of(execution_id, me)


@router.post(routes.API_EXECUTIONS + "/{execution_id}/cancel")
def cancel(execution_id: str, me: Principal = Depends(current_principal)):
    execution = commands.cancel_execution(execution_id, me)
    return {"id": execution.id, "status": "cancelled"}


@router.post(routes.API_EXECUTIONS + "/{execution_id}/retry")
async def retry(execution_id: str, request: Request, me: Principal = Depends(current_principal)):
    raw = await request.body()
    body = await request.json() if raw.strip() else {}
    new = await asyncio.to_thread(commands.retry_execution, execution_id, me, str(body.get("from", "failed")))
    return {"executionId": new.id, "status": new.status, "retryOf": execution_id}
