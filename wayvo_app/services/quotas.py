"""The workspace quotas checked before an execution starts: executions running at once
(WAYVO_MAX_RUNNING_PER_WORKSPACE) and Trigger Workflow runs per minute (WAYVO_MAX_CHILDREN_PER_MINUTE).
A refusal is a QuotaExceededError naming the setting (429 with Retry-After on the API)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from wayvo_app.core.errors import QuotaExceededError
from wayvo_app.core.limits import get_quotas
from wayvo_app.store import quotas as store_quotas

RUNNING_RETRY_AFTER = 5
CHILDREN_RETRY_AFTER = 10


def check_can_start(s: Session, workspace_id: str, now: datetime, *, child: bool = False) -> None:
    """Raise QuotaExceededError when the workspace may not start one more execution now."""
    quotas = get_quotas()
    limit = quotas.max_running_per_workspace
    if store_quotas.running_in_workspace(s, workspace_id, limit) >= limit:
        refuse_running(limit)
    if child:
        limit = quotas.max_children_per_minute
        if store_quotas.children_since(s, workspace_id, now - timedelta(minutes=1), limit) >= limit:
            raise QuotaExceededError(f"This workspace started {limit} workflows from Trigger Workflow in the "
                                     "last minute, the most it may (WAYVO_MAX_CHILDREN_PER_MINUTE)",
                                     CHILDREN_RETRY_AFTER)


def refuse_running(limit: int) -> None:
    """The refusal of a start in a workspace running `limit` executions already (a hot path reads
    whether it is full in its own query: store/starts.py)."""
    raise QuotaExceededError(f"This workspace already has {limit} executions running, the most it may run "
                             "at once (WAYVO_MAX_RUNNING_PER_WORKSPACE); try again when some finish",
                             RUNNING_RETRY_AFTER)
