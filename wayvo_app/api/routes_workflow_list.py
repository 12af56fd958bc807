"""Routes: the list of workflows the caller may see (search, workspace, cursor paging), delete, and
the Active/Off switch."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from wayvo_app import routes
from wayvo_app.api.auth import current_principal
from wayvo_app.services import library, workflow_lists
from wayvo_app.services.accounts import Principal

router = APIRouter(tags=["workflows"])
ONE = routes.API_WORKFLOWS + "/{workflow_id}"


@router.get(routes.API_WORKFLOWS, summary="List workflows")
def list_workflows(
    search: str = Query("", max_length=200, description="A part of the name, any case"),
    workspaceId: str = Query("", max_length=36, description="Only this workspace (default: every "
                                                             "workspace the caller belongs to; an API key's own)"),
    sort: str = Query("created", description="created (newest first), updated (latest edit first) or name (A-Z)"),
    limit: int = Query(50, description="Items per page, 1 to 200"),
    cursor: str = Query("", max_length=500, description="nextCursor of the previous page"),
    me: Principal = Depends(current_principal),
):
    """The workflows the caller may see, one page at a time. Paging is by cursor: a workflow created
    while you page never shifts or repeats the items of later pages."""
    return workflow_lists.api_page(me.id, only_workspace=me.workspace_id, workspace_id=workspaceId,
                                   search=search, sort=sort, limit=limit, cursor=cursor)


@router.delete(ONE, summary="Delete a workflow")
async def delete_workflow(workflow_id: str, me: Principal = Depends(current_principal)):
    """Deletes the workflow with its versions and executions (editors). Its running or waiting
    executions are cancelled first; `cancelledExecutions` says how many."""
    cancelled = await asyncio.to_thread(library.delete, workflow_id, me.id, me.workspace_id)
    return {"id": workflow_id, "deleted": True, "cancelledExecutions": cancelled}


class ActiveBody(BaseModel):
    active: bool


@router.put(ONE + "/active", summary="Switch a workflow on or off")
def set_active(workflow_id: str, body: ActiveBody, me: Principal = Depends(current_principal)):
    """Off: schedules and webhooks stop and runs are refused (409 `workflow_inactive`) until it is
    switched on again; executions already running go on."""
    return library.set_active(workflow_id, me.id, body.active, me.workspace_id)
