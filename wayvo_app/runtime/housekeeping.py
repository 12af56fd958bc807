"""Periodic chores of a worker: lease recovery, the email outbox, schedule triggers and retention."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

from wayvo_app.engine.recovery import recover_expired
from wayvo_app.mail.outbox import deliver_due
from wayvo_app.services.retention import prune
from wayvo_app.services.schedules import fire_due_schedules

log = logging.getLogger("wayvo.worker")
RETENTION_EVERY = 60.0  # seconds between retention passes


class Housekeeping:
    def __init__(self, *, url: str | None, settings, clock: Callable[[], datetime], every: float = 5.0):
        self.url, self.settings, self.clock, self.every = url, settings, clock, every
        self._last = 0.0
        self._next_retention = 0.0  # monotonic time of the next retention pass

    def maybe_run(self) -> None:
        if time.monotonic() - self._last >= self.every:
            self.run_once()

    def run_once(self) -> None:
        self._last = time.monotonic()
        for chore in (self._recover, self._schedules, self._outbox, self._retention):
            try:
                chore()
            except Exception:  # noqa: BLE001 - one failing chore must not stop the others
                log.exception("housekeeping chore %s failed", chore.__name__)

    def _recover(self) -> None:
        count = recover_expired(self.clock(), self.url)
        if count:
            log.warning("recovered %s steps whose worker stopped", count)

    def _schedules(self) -> None:
        fire_due_schedules(self.clock(), self.url)

    def _retention(self) -> None:
        """Every RETENTION_EVERY seconds, or at once while a backlog remains (a pass is bounded)."""
        if time.monotonic() < self._next_retention:
            return
        done = prune(self.clock(), url=self.url)
        self._next_retention = time.monotonic() + (0 if done.more else RETENTION_EVERY)
        if done.executions or done.mail or done.signals or done.idempotency:
            log.info("retention deleted %s executions, %s mails, %s buffered signals, %s idempotency records",
                     done.executions, done.mail, done.signals, done.idempotency)

    def _outbox(self) -> None:
        asyncio.run(deliver_due(smtp_url=self.settings.smtp_url, smtp_from=self.settings.smtp_from,
                                now=self.clock(), url=self.url))
