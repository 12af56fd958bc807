"""Routes: workflow documents (create, read, update, publish), execute and webhook."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request

from wayvo_app import routes
from wayvo_app.api.auth import api_key_principal, authorizer, bearer_token, current_principal
from wayvo_app.core.errors import BadRequestError
from wayvo_app.services import accounts, retention, workflow_documents
from wayvo_app.services import executions as commands
from wayvo_app.services.accounts import Principal

router = APIRouter(tags=["workflows"])


async def _json(request: Request) -> dict[str, Any]:
    """The body (already checked to be a JSON object or empty by the body guard)."""
    raw = await request.body()
    return {} if not raw.strip() else await request.json()


def _workspace_of(document: dict[str, Any], query: str | None) -> str | None:
    """The optional `workspaceId` (in the document or the query string); not part of the document."""
    value = document.pop("workspaceId", None) or query
    if value is not None and not isinstance(value, str):
        raise BadRequestError("workspaceId must be a string")
    return value or None


@router.post(routes.API_WORKFLOWS)
async def create_workflow(request: Request, workspaceId: str | None = None,
                          me: Principal = Depends(current_principal)):
    """A new workflow in `workspaceId` (default: an API key's workspace, else the caller's personal
    one; the editor role is needed there)."""
    document = await _json(request)
    workspace_id = _workspace_of(document, workspaceId)
    return await asyncio.to_thread(workflow_documents.create, me, document, workspace_id)


@router.get(routes.API_WORKFLOWS + "/{workflow_id}")
def read_workflow(workflow_id: str, me: Principal = Depends(current_principal)):
    return workflow_documents.read(workflow_id, me)


@router.put(routes.API_WORKFLOWS + "/{workflow_id}")
async def update_workflow(workflow_id: str, request: Request, me: Principal = Depends(current_principal)):
    document = await _json(request)
    return await asyncio.to_thread(workflow_documents.update, workflow_id, me, document)


@router.post(routes.API_WORKFLOWS + "/{workflow_id}/publish")
def publish_workflow(workflow_id: str, me: Principal = Depends(current_principal)):
    return {"id": workflow_id, "version": workflow_documents.publish(workflow_id, me)}


def _input_of(body: dict[str, Any]) -> dict[str, Any]:
    value = body.get("input", {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequestError("input must be a JSON object")
    return value


@router.post(routes.execute("{workflow_id}"))
async def execute_workflow(workflow_id: str, request: Request, token: str = Depends(bearer_token)):
    body = await _json(request)
    authorize = authorizer(request, token)

    def run() -> commands.TriggerWorkflowResult:  # one thread hop: the caller's checks, the body's, the start
        me = accounts.caller(authorize)
        version = body.get("version")
        if version is not None and not isinstance(version, int):
            raise BadRequestError("version must be an integer")
        return commands.trigger_in(
            me.workspace_id, workflow_id=workflow_id, user_name=me.user_name, input=_input_of(body), version=version,
            idempotency_key=request.headers.get("idempotency-key"), origin="api_key" if me.via_api_key else "api")

    result = await asyncio.to_thread(run)
    return {"executionId": result.execution_id, "status": result.status}


@router.post(routes.webhook("{workflow_id}"))
async def webhook(workflow_id: str, request: Request, me: Principal = Depends(api_key_principal)):
    body = await _json(request)
    await asyncio.to_thread(workflow_documents.require_webhook_trigger, workflow_id, me)
    result = await commands.atrigger_in(me.workspace_id, workflow_id=workflow_id, user_name=me.user_name,
                                        input=body, trigger_type="Webhook", origin="webhook")
    return {"executionId": result.execution_id, "status": result.status}


@router.get(routes.API_WORKFLOWS + "/{workflow_id}/retention")
def read_retention(workflow_id: str, me: Principal = Depends(current_principal)):
    """How long the workflow's finished executions are kept: `retentionDays` (null: the default,
    WAYVO_RETENTION_DAYS; 0: forever) and `effectiveRetentionDays`."""
    return retention.workflow_retention(workflow_id, me.id)


@router.put(routes.API_WORKFLOWS + "/{workflow_id}/retention")
async def update_retention(workflow_id: str, request: Request, me: Principal = Depends(current_principal)):
    """`{"retentionDays": 90}` keeps this workflow's finished executions 90 days (null: the default)."""
    body = await _json(request)
    if "retentionDays" not in body:
        raise BadRequestError("retentionDays is required (a number of days, 0 for forever, or null)")
    return await asyncio.to_thread(retention.set_workflow_retention, workflow_id, me.id, body["retentionDays"])
