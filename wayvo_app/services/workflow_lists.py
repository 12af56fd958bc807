"""Lists of workflows a user may see (filtered in SQL by access.visible_workflows): the workflows
page's rows and `GET /api/workflows`'s pages with their opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from wayvo_app.core.errors import BadRequestError, NotFoundError
from wayvo_app.services import access
from wayvo_app.store import db
from wayvo_app.store.workflow_reads import PAGE_MAX, SORTS, WorkflowFilter, WorkflowRow, workflow_page

UI_LIMIT = 500  # the page shows this many; search narrows it
API_SORTS = ("created", "updated", "name")  # keyset sorts of the API (lastRun moves under new runs)


def encode_cursor(sort: str, key: Any, workflow_id: str) -> str:
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = json.dumps([sort, value, workflow_id, isinstance(key, datetime)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, str]:
    """The (key, id) after which the next page starts; BadRequestError for a cursor of another list."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, workflow_id, is_time = json.loads(raw)
        if is_time:
            value = datetime.fromisoformat(value)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadRequestError("cursor is not a cursor of this list (take nextCursor from the previous page)")
    if kind != sort:
        raise BadRequestError(f"cursor belongs to sort={kind}, not sort={sort}")
    return value, str(workflow_id)


def _check_workspace(s: Any, user_id: str, workspace_id: str, only: str | None) -> None:
    """A workspace filter the caller may use: one they belong to (and the API key's own)."""
    if only is not None and workspace_id and workspace_id != only:
        raise NotFoundError("Workspace not found")
    if workspace_id and access.role_in(s, user_id, workspace_id) is None:
        raise NotFoundError("Workspace not found")


def _status_text(wf: Any) -> tuple[str, str]:
    if wf.published_version is None:
        return "draft", "gray"
    if wf.published_revision != wf.revision:
        return f"published v{wf.published_version} (draft ahead)", "amber"
    return f"published v{wf.published_version}", "green"


def _ui_row(row: WorkflowRow) -> dict[str, Any]:
    wf = row.workflow
    status, color = _status_text(wf)
    last_at = f"{row.last_started_at:%Y-%m-%d %H:%M} UTC" if row.last_started_at else ""
    return {"id": wf.id, "name": wf.name, "status": status, "statusColor": color,
            "triggerType": wf.trigger_type or "Manual", "active": bool(wf.active),
            "lastStatus": row.last_status or "", "lastAt": last_at,
            "lastExecution": f"{row.last_status} · {last_at}" if row.last_status else "never run",
            "updatedAt": f"{wf.updated_at:%Y-%m-%d %H:%M} UTC"}


def page_rows(user_id: str, workspace_id: str, search: str = "", sort: str = "updated") -> list[dict[str, Any]]:
    """The workflows page: the workspace's workflows matching `search`, in `sort` order."""
    flt = WorkflowFilter(search=search[:200], workspace_id=workspace_id, sort=sort if sort in SORTS else "updated")
    with db.read_session() as s:
        _check_workspace(s, user_id, workspace_id, None)
        return [_ui_row(r) for r in workflow_page(s, access.visible_workflows(user_id), flt, limit=UI_LIMIT)]


def _api_item(row: WorkflowRow) -> dict[str, Any]:
    wf = row.workflow
    last = None
    if row.last_status:
        last = {"status": row.last_status, "startedAt": row.last_started_at.isoformat()}
    return {"id": wf.id, "name": wf.name, "description": wf.description or "", "workspaceId": wf.workspace_id,
            "active": bool(wf.active), "triggerType": wf.trigger_type or "Manual", "version": wf.published_version,
            "revision": wf.revision, "createdAt": wf.created_at.isoformat(), "updatedAt": wf.updated_at.isoformat(),
            "lastExecution": last}


def api_page(user_id: str, *, only_workspace: str | None = None, workspace_id: str = "", search: str = "",
             sort: str = "created", limit: int = 50, cursor: str = "") -> dict[str, Any]:
    """`GET /api/workflows`: `{items, nextCursor}`; `only_workspace` is an API key's workspace."""
    if sort not in API_SORTS:
        raise BadRequestError(f"sort must be one of {', '.join(API_SORTS)}")
    if not 1 <= limit <= PAGE_MAX:
        raise BadRequestError(f"limit must be between 1 and {PAGE_MAX}")
    after = decode_cursor(cursor, sort) if cursor else None
    flt = WorkflowFilter(search=search[:200], workspace_id=workspace_id or only_workspace or "", sort=sort)
    with db.read_session() as s:
        _check_workspace(s, user_id, flt.workspace_id, only_workspace)
        rows = workflow_page(s, access.visible_workflows(user_id), flt, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(sort, rows[-1].key, rows[-1].workflow.id) if more else None
    return {"items": [_api_item(r) for r in rows], "nextCursor": next_cursor}
