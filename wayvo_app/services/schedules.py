"""Schedule triggers: each cron fire is recorded once (a unique row), whatever the number of workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wayvo_app.engine import wakeup
from wayvo_app.store import db
from wayvo_app.store import schedules as store_schedules
from wayvo_app.store.models import User, Workflow, WorkflowVersion

MAX_LATENESS = timedelta(minutes=10)  # a fire missed by longer (server down) is not replayed


def _schedule_of(document: dict) -> tuple[str, str] | None:
    for node in document.get("nodes", []):
        data = node.get("data", {})
        if node.get("type") == "trigger" or data.get("type") == "trigger":
            config = data.get("config", {})
            if config.get("triggerType") == "Schedule" and config.get("scheduleCron"):
                return str(config["scheduleCron"]), str(config.get("scheduleTimezone") or "UTC")
    return None


def last_fire(cron: str, tz: str, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return croniter(cron, local).get_prev(datetime).astimezone(UTC)


def _document_to_run(s, wf: Workflow) -> dict:
    if wf.published_version is None:
        return wf.document
    return s.exec(select(WorkflowVersion.document).where(
        WorkflowVersion.workflow_id == wf.id, WorkflowVersion.version == wf.published_version)).scalar_one()


def fire_due_schedules(now: datetime, url: str | None = None) -> int:
    from wayvo_app.services.executions import start_execution

    fired = 0
    with db.read_session(url) as s:
        ids = list(s.exec(select(Workflow.id).where(Workflow.trigger_type == "Schedule")).scalars())
    for workflow_id in ids:
        try:
            with db.session(url) as s:
                wf = s.get(Workflow, workflow_id)
                schedule = _schedule_of(_document_to_run(s, wf)) if wf else None
                if schedule is None:
                    continue
                fire_at = last_fire(*schedule, now)
                if fire_at < max(wf.updated_at, now - MAX_LATENESS):
                    continue
                store_schedules.claim_fire(s, wf.id, fire_at)
                execution = start_execution(s, wf, s.get(User, wf.owner_id),
                                            {"scheduledAt": fire_at.isoformat()}, trigger_type="Schedule")
                store_schedules.link_fire(s, wf.id, fire_at, execution.id)
                fired += 1
        except IntegrityError:
            continue  # another worker recorded this fire first
    if fired:
        wakeup.notify_work()
    return fired


def next_fires(cron: str, tz: str, after: datetime, count: int = 5) -> list[datetime]:
    it = croniter(cron, after.astimezone(ZoneInfo(tz)))
    return [it.get_next(datetime).astimezone(UTC) for _ in range(count)]
