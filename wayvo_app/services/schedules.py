"""Schedule triggers: each cron fire is recorded once (a unique row), whatever the number of workers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wayvo_app.engine import metrics, wakeup
from wayvo_app.store import db
from wayvo_app.store import executions as store_executions
from wayvo_app.store import schedules as store_schedules
from wayvo_app.store.models import Execution, User, Workflow, WorkflowVersion, new_id, utcnow

log = logging.getLogger("wayvo.schedules")

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


def _published_schedules(url: str | None) -> list[tuple[str, dict]]:
    """(workflow id, published document) of each workflow that may fire: only published versions
    fire, and a draft that moved on to another trigger does not hide the published schedule."""
    with db.read_session(url) as s:
        rows = s.exec(select(Workflow.id, WorkflowVersion.document)
                      .join(WorkflowVersion, (WorkflowVersion.workflow_id == Workflow.id)
                            & (WorkflowVersion.version == Workflow.published_version))
                      .where(Workflow.published_version.is_not(None), Workflow.active.is_(True),
                             (Workflow.trigger_type == "Schedule")
                             | (Workflow.published_revision != Workflow.revision))).all()
    return [(row[0], row[1]) for row in rows]


def fire_due_schedules(now: datetime, url: str | None = None) -> int:
    """Start every due schedule once. Each workflow fires in its own transaction: one that cannot
    start gets a failed execution saying why (its owner sees it) and the others fire on time."""
    fired = 0
    for workflow_id, published in _published_schedules(url):
        try:
            schedule = _schedule_of(published)
            fire_at = last_fire(*schedule, now) if schedule else None
        except Exception:  # noqa: BLE001 - a document the validator let through must not stop the pass
            log.exception("schedule of workflow %s cannot be read", workflow_id)
            continue
        if fire_at is None:
            continue
        try:
            fired += _fire(workflow_id, fire_at, now, url)
        except IntegrityError:
            continue  # another worker recorded this fire first
        except Exception as exc:  # noqa: BLE001 - isolate this workflow's failure from the others
            _record_failed_fire(workflow_id, fire_at, exc, url)
    if fired:
        wakeup.notify_work()
    return fired


def _fire(workflow_id: str, fire_at: datetime, now: datetime, url: str | None) -> int:
    from wayvo_app.services.executions import start_execution

    with db.session(url) as s:
        wf = s.get(Workflow, workflow_id)
        if wf is None or wf.published_version is None or fire_at < max(wf.updated_at, now - MAX_LATENESS):
            return 0
        if not wf.active:
            return 0  # switched Off since the list was read: an Off workflow fires nothing
        owner = s.get(User, wf.owner_id)
        if owner is None or owner.disabled:
            return 0
        store_schedules.claim_fire(s, wf.id, fire_at)
        execution = start_execution(s, wf, owner, {"scheduledAt": fire_at.isoformat()},
                                    version=wf.published_version, trigger_type="Schedule")
        store_schedules.link_fire(s, wf.id, fire_at, execution.id)
        return 1


def _record_failed_fire(workflow_id: str, fire_at: datetime, exc: Exception, url: str | None) -> None:
    """The fire is claimed (once, whatever the number of workers) by a failed execution saying why."""
    reason = f"Schedule could not start this run: {exc}"
    try:
        with db.session(url) as s:
            wf = s.get(Workflow, workflow_id)
            version = s.exec(select(WorkflowVersion.id).where(
                WorkflowVersion.workflow_id == workflow_id,
                WorkflowVersion.version == wf.published_version)).scalar_one()
            store_schedules.claim_fire(s, workflow_id, fire_at)
            now = utcnow()
            execution = Execution(id=new_id(), workflow_id=workflow_id, version_id=version, user_id=wf.owner_id,
                                  workspace_id=wf.workspace_id, status="error", trigger_type="Schedule", input={"scheduledAt": fire_at.isoformat()},
                                  error=reason, started_at=now, completed_at=now, updated_at=now,
                                  origin="schedule")
            store_executions.add_execution(s, execution)
            metrics.execution_started(s, workflow_id, "Schedule")
            metrics.execution_finished(s, workflow_id, "error")
            store_schedules.link_fire(s, workflow_id, fire_at, execution.id)
        log.warning("workflow %s: %s", workflow_id, reason)
    except IntegrityError:
        pass  # another worker recorded this fire first
    except Exception:  # noqa: BLE001 - the pass goes on for the other workflows
        log.exception("schedule fire of workflow %s failed and could not be recorded", workflow_id)


def next_fires(cron: str, tz: str, after: datetime, count: int = 5) -> list[datetime]:
    it = croniter(cron, after.astimezone(ZoneInfo(tz)))
    return [it.get_next(datetime).astimezone(UTC) for _ in range(count)]
