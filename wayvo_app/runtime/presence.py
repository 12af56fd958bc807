"""Runs an engine worker with its heartbeat row (GET /api/health) and a clean stop: steps still
running when the worker gives up waiting for them get their leases released for another worker."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from wayvo_app.core.times import utcnow
from wayvo_app.runtime.worker import Worker
from wayvo_app.services import health
from wayvo_app.store import db
from wayvo_app.store import executions as store

log = logging.getLogger("wayvo.worker")


async def keep_beating(worker: Worker, period: float = health.HEARTBEAT_SECONDS) -> None:
    host, pid = socket.gethostname(), os.getpid()
    while True:
        try:
            await asyncio.to_thread(health.beat, worker.owner, host, pid, len(worker.inflight), url=worker.url)
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the worker; health shows it
            log.exception("heartbeat failed")
        await asyncio.sleep(period)


def _release(worker: Worker) -> None:
    if worker.inflight:
        with db.session(worker.url) as s:
            count = store.release_leases(s, worker.owner, utcnow())
        log.warning("worker %s stopped with %s steps running; released their leases", worker.owner, count)
    health.forget(worker.owner, url=worker.url)


async def run_worker(worker: Worker, period: float = health.HEARTBEAT_SECONDS) -> None:
    """`worker.run()` (which finishes the steps in flight for a while once stopped), beating."""
    beating = asyncio.create_task(keep_beating(worker, period))
    try:
        await worker.run()
    finally:
        beating.cancel()
        try:
            await asyncio.to_thread(_release, worker)
        except Exception:  # noqa: BLE001 - the leases then expire on their own
            log.exception("releasing leases on stop failed")
