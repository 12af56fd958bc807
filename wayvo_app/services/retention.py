"""Retention: the housekeeping job deletes finished executions older than their workflow keeps them
(WAYVO_RETENTION_DAYS, or the workflow's own days), old outbox mail, expired buffered signals and
idempotency records, one short transaction per batch; a workflow's retention is set here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wayvo_app.core.errors import BadRequestError, WorkflowNotFoundError
from wayvo_app.services import access
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import retention as store
from wayvo_app.store.models import Workflow

BATCH = 500  # rows per transaction
MAX_BATCHES = 40  # transactions per pass; a backlog continues at the next pass
TOMBSTONE_DAYS = 365  # how long a link to a pruned execution still says "deleted by retention"
MAX_RETENTION_DAYS = 3650


@dataclass
class Pruned:
    """What one pass deleted, and whether it stopped with work left (its batch budget ran out)."""

    executions: int = 0
    mail: int = 0
    signals: int = 0
    idempotency: int = 0
    tombstones: int = 0
    more: bool = False
    _budget: int = field(default=MAX_BATCHES, repr=False)

    def spend(self) -> bool:
        """Takes one transaction from the budget; False (and `more`) once it is spent."""
        if self._budget <= 0:
            self.more = True
            return False
        self._budget -= 1
        return True


def _prune_executions(now: datetime, days: int, url: str | None, batch: int, done: Pruned) -> None:
    while done.spend():
        with db.read_session(url) as s:
            ids = store.old_execution_ids(s, now, days, batch)
        if not ids:
            return
        while True:  # children first, a batch per transaction, then the executions and their tombstones
            if not done.spend():
                return
            with db.session(url) as s:
                if not store.delete_execution_children(s, ids, batch):
                    done.executions += store.delete_executions(s, ids, now)
                    break


def _prune_rows(delete, cutoff: datetime, url: str | None, batch: int, done: Pruned) -> int:
    count = 0
    while done.spend():
        with db.session(url) as s:
            deleted = delete(s, cutoff, batch)
        count += deleted
        if deleted < batch:
            break
    return count


def prune(now: datetime, *, url: str | None = None, days: int | None = None, batch: int = BATCH,
          max_batches: int = MAX_BATCHES) -> Pruned:
    """One pass of retention at `now` (days: WAYVO_RETENTION_DAYS unless given; 0 keeps everything
    but the executions of workflows with their own retention)."""
    days = get_settings().retention_days if days is None else days
    done = Pruned(_budget=max_batches)
    _prune_executions(now, days, url, batch, done)
    if days > 0:
        cutoff = now - timedelta(days=days)
        done.mail = _prune_rows(store.delete_old_mail, cutoff, url, batch, done)
        done.signals = _prune_rows(store.delete_expired_signals, cutoff, url, batch, done)
        done.idempotency = _prune_rows(store.delete_old_idempotency, cutoff, url, batch, done)
    done.tombstones = _prune_rows(store.delete_old_tombstones, now - timedelta(days=TOMBSTONE_DAYS), url, batch,
                                  done)
    return done


def _checked_days(days) -> int | None:
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 0 <= days <= MAX_RETENTION_DAYS):
        raise BadRequestError(f"retentionDays must be a whole number of days from 0 to {MAX_RETENTION_DAYS}, "
                              f"or null for the default ({get_settings().retention_days}); got {days!r}")
    return days


def set_workflow_retention(workflow_id: str, user_id: str | None, days: int | None) -> dict:
    """Keep this workflow's finished executions `days` days (None: the installation's default;
    0: forever). Editors and above; `user_id` None is the installation's own command line."""
    days = _checked_days(days)
    with db.session() as s:
        if user_id is None:
            wf = s.get(Workflow, workflow_id, with_for_update=True)
            if wf is None:
                raise WorkflowNotFoundError()
        else:
            wf = access.workflow_for(s, workflow_id, user_id, "workflow.edit", lock=True)
        wf.retention_days = days
        s.add(wf)
        return retention_json(wf.id, days)


def workflow_retention(workflow_id: str, user_id: str) -> dict:
    with db.read_session() as s:
        wf = access.workflow_for(s, workflow_id, user_id, "workflow.view")
        return retention_json(wf.id, wf.retention_days)


def workflow_retention_of(workflow_id: str) -> dict:
    """For the installation's command line (no user)."""
    with db.read_session() as s:
        wf = s.get(Workflow, workflow_id)
        if wf is None:
            raise WorkflowNotFoundError()
        return retention_json(wf.id, wf.retention_days)


def retention_json(workflow_id: str, days: int | None) -> dict:
    default = get_settings().retention_days
    return {"id": workflow_id, "retentionDays": days,
            "effectiveRetentionDays": default if days is None else days}
