"""The executions list of a workspace for the page (a numbered page, the filter choices, the live
marker) and for `GET /api/workflows/executions` (filters from the query string, keyset cursor
paging on (started_at, id), so rows inserted between two requests never shift a page)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wayvo_app.core.errors import BadRequestError, NotFoundError
from wayvo_app.core.origins import ORIGINS
from wayvo_app.core.times import aware
from wayvo_app.services import access
from wayvo_app.services.execution_lists import (
    EXECUTION_STATUSES,
    ExecutionPage,
    list_executions,
    workflow_choices,
    workspace_revisions,
)
from wayvo_app.services.workspaces import list_members
from wayvo_app.store import db
from wayvo_app.store import execution_reads as reads
from wayvo_app.store.execution_reads import Cursor, ExecutionFilter
from wayvo_app.store.models import Workflow

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
FILTER_PARAMS = ("workflowId", "status", "startedBy", "since", "until", "origin", "q")


@dataclass(frozen=True)
class ListView:
    """What the list page shows: a page, the workflows and starters to filter by, and the workspace
    to watch for changes (the filter's, or the scoped workflow's) with its current marker."""

    page: ExecutionPage
    workflows: list[dict[str, str]]
    starters: list[dict[str, str]] = field(default_factory=list)
    revision: str = ""
    workspace_id: str = ""


def list_view(user_id: str, flt: ExecutionFilter, page: int, page_size: int) -> ListView:
    """One page of the executions the user may see in `flt.workspace_id`; operators also get the
    workspace's members to filter by who started a run."""
    with db.read_session() as s:
        found = list_executions(s, user_id, flt, page=page, page_size=page_size)
        workflows = workflow_choices(s, user_id, flt.workspace_id)
        starters: list[dict[str, str]] = []
        watched = flt.workspace_id
        if not watched and flt.workflow_id:
            wf = s.get(Workflow, flt.workflow_id)
            watched = wf.workspace_id if wf is not None and access.role_in(s, user_id, wf.workspace_id) else ""
        if access.at_least(access.role_in(s, user_id, watched) if watched else None, "operator"):
            starters = [{"userName": m["userName"], "displayName": m["displayName"]}
                        for m in list_members(s, watched, user_id)]
    revision = workspace_revisions([watched]).get(watched, "") if watched else ""
    return ListView(found, workflows, starters, revision, watched)


# The API: parameters, cursor, rows.

def _time(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequestError(f"{name} must be an ISO 8601 time such as 2026-11-30T09:00:00Z, got '{text}'") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_filter(params: Mapping[str, str], workspace_id: str = "") -> ExecutionFilter:
    """The API's query parameters as a filter; BadRequestError naming the bad one."""
    statuses = [part.strip() for part in params.get("status", "").split(",") if part.strip()]
    unknown = [st for st in statuses if st not in EXECUTION_STATUSES]
    if unknown:
        raise BadRequestError(f"status must be one of {', '.join(EXECUTION_STATUSES)}; got '{unknown[0]}'")
    origin = params.get("origin", "").strip()
    if origin and origin not in ORIGINS:
        raise BadRequestError(f"origin must be one of {', '.join(ORIGINS)}; got '{origin}'")
    since = _time("since", params["since"]) if params.get("since") else None
    until = _time("until", params["until"]) if params.get("until") else None
    if since and until and since > until:
        raise BadRequestError("since must be before until")
    return ExecutionFilter(status=",".join(statuses), workflow_id=params.get("workflowId", "").strip(),
                           since=since, until=until, started_by=params.get("startedBy", ""),
                           workspace_id=workspace_id, origin=origin, search=params.get("q", "")[:200])


def encode_cursor(started_at: datetime, execution_id: str) -> str:
    raw = f"{aware(started_at).astimezone(UTC).isoformat()}|{execution_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        when, execution_id = raw.split("|", 1)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError(when)
        return Cursor(moment, execution_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequestError("cursor is not one this API returned (use nextCursor as it is)") from None


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequestError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got '{text}'")
    return int(text)


def _iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


def api_row(ex: Any, workflow_name: str, starter: str) -> dict[str, Any]:
    return {"id": ex.id, "workflowId": ex.workflow_id, "workflowName": workflow_name, "workspaceId": ex.workspace_id,
            "status": ex.status, "startedBy": starter, "origin": ex.origin, "triggerType": ex.trigger_type,
            "error": ex.error, "startedAt": _iso(ex.started_at), "completedAt": _iso(ex.completed_at),
            "retryOf": ex.retry_of_id, "parentExecutionId": ex.parent_execution_id}


def api_list(user_id: str, params: Mapping[str, str], key_workspace: str | None = None) -> dict[str, Any]:
    """`{executions, nextCursor}`: the newest executions the caller may see that match the filters,
    from `cursor` on. An API key lists its own workspace only; `workspaceId` must be one of the caller's."""
    workspace_id = (params.get("workspaceId") or "").strip()
    limit, cursor = _limit(params.get("limit")), params.get("cursor")
    with db.read_session() as s:
        if key_workspace and workspace_id and workspace_id != key_workspace:
            raise NotFoundError("Workspace not found")
        workspace_id = key_workspace or workspace_id
        if workspace_id and access.role_in(s, user_id, workspace_id) is None:
            raise NotFoundError("Workspace not found")
        flt = parse_filter(params, workspace_id)
        found = reads.executions_after(s, access.visible_executions(user_id), flt,
                                       decode_cursor(cursor) if cursor else None, limit + 1)
    rows, more = found[:limit], len(found) > limit
    next_cursor = encode_cursor(rows[-1][0].started_at, rows[-1][0].id) if more else None
    return {"executions": [api_row(*row) for row in rows], "nextCursor": next_cursor}
