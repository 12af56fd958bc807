"""Runs a worker in a thread of its own event loop, so engine database calls never block the web loop."""

from __future__ import annotations

import asyncio
import logging
import threading

from wayvo_app.runtime.presence import run_worker
from wayvo_app.runtime.worker import Worker

log = logging.getLogger("wayvo.worker")
_started: list[Worker] = []


def start_worker_thread(**kwargs) -> Worker:
    worker = Worker(**kwargs)

    def _main() -> None:
        try:
            asyncio.run(run_worker(worker))
        except Exception:  # noqa: BLE001
            log.exception("embedded worker stopped")

    threading.Thread(target=_main, name="wayvo-worker", daemon=True).start()
    _started.append(worker)
    return worker


async def embedded_worker_lifespan():
    """A Reflex lifespan task: start the embedded worker unless WAYVO_EMBEDDED_WORKER=false."""
    from wayvo_app.plugins.client_plugins import node_registry
    from wayvo_app.settings import get_settings

    if get_settings().embedded_worker and not _started:
        start_worker_thread(registry=node_registry())
    try:
        while True:
            await asyncio.sleep(3600)
    except asyncio.CancelledError:
        for worker in _started:
            worker.stop()
        raise
