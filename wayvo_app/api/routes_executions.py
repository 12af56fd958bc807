"""Routes: execution status, details (steps and logs), cancel and retry. Services get the caller
(`me`), so an API key acts only on executions of its own workspace."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from wayvo_app import routes
from wayvo_app.api.auth import current_principal
from wayvo_app.services import execution_views
from wayvo_app.services import executions as commands
from wayvo_app.services.accounts import Principal

router = APIRouter(tags=["executions"])


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
