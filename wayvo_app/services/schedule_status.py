"""What the builder's Schedule trigger panel says about past fires: the newest fire the scheduler
could not start (a failed execution saying why), unless a later fire started fine."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from wayvo_app import routes
from wayvo_app.services import access, workflows
from wayvo_app.store import db
from wayvo_app.store import execution_reads as reads


def last_fire_failure(workflow_id: str, user_id: str) -> dict[str, Any]:
    """{"executionId", "error", "at", "href"} of the newest Schedule fire if it failed to start; {} otherwise."""
    with db.read_session() as s:
        workflows.get_owned(s, workflow_id, user_id)
        newest = reads.newest_schedule_run(s, workflow_id, access.visible_executions(user_id))
    if newest is None:
        return {}
    execution, ran = newest
    if ran or execution.status != "error":
        return {}
    started = execution.started_at if execution.started_at.tzinfo else execution.started_at.replace(tzinfo=UTC)
    return {"executionId": execution.id, "error": execution.error or "The schedule could not start this run",
            "at": f"{started:%Y-%m-%d %H:%M} UTC", "href": routes.execution(execution.id)}
