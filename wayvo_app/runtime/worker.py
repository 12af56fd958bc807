"""The claim loop: takes due steps from the database under a lease and runs them concurrently.
APScheduler only wakes the loop (an interval, and the next due time); it never owns state."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from wayvo_app.engine import resume_now, wakeup
from wayvo_app.engine.executor import Executor
from wayvo_app.engine.loader import claim_with_worlds
from wayvo_app.engine.recovery import recover_expired
from wayvo_app.engine.registry import get_registry
from wayvo_app.runtime.housekeeping import Housekeeping
from wayvo_app.services.integrations import credentials_for
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store.models import utcnow

log = logging.getLogger("wayvo.worker")


class Worker:
    def __init__(self, *, url: str | None = None, settings=None, registry=None, concurrency: int | None = None,
                 poll_interval: float = 1.0, lease_seconds: float | None = None,
                 clock: Callable[[], datetime] = utcnow, use_scheduler: bool = True):
        self.settings = settings or get_settings()
        self.url = url
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.concurrency = concurrency or self.settings.worker_concurrency
        self.poll_interval, self.clock, self.use_scheduler = poll_interval, clock, use_scheduler
        self.lease = timedelta(seconds=lease_seconds or self.settings.lease_seconds)
        self.inflight: dict[str, asyncio.Task] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop = False
        self._reserved = 0
        self._reserve_lock = threading.Lock()
        # Whether the last claim found less than it could take while LISTEN wakes this worker:
        # then nothing else is due until a NOTIFY, a hand-over or the timer says so, and a step
        # finishing does not start another claim (at low load that empty claim only competed
        # with the step's own record for the cores). SQLite workers, woken by nobody, keep
        # claiming after every step.
        self._drained = False
        self._listening = False
        # Claims wait until a quarter of the slots are free (or nothing runs): one claim
        # transaction takes a batch instead of one step each time an execution finishes.
        self.claim_batch = max(1, self.concurrency // 4)
        # SQLite has one writer at a time: one database thread; PostgreSQL overlaps several.
        sqlite = db.is_sqlite(url or self.settings.database_url)
        threads = 1 if sqlite else self.settings.worker_db_threads
        self.db_pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="wayvo-db")
        # PostgreSQL: plain successes are recorded in batches, one transaction each (group commit;
        # WAYVO_GROUP_COMMIT=0 records every step in a transaction of its own, as on SQLite).
        self.executor = Executor(owner=self.owner, registry=registry or get_registry(), settings=self.settings,
                                 url=url, clock=clock, lease=self.lease, http=None,
                                 credentials_for=credentials_for, db_pool=self.db_pool,
                                 group_commit=not sqlite and self.settings.group_commit,
                                 group_flushes=self.settings.group_flushes)
        self.housekeeping = Housekeeping(url=url, settings=self.settings, clock=clock)
        self.group = self.executor.group
        if self.group is not None:
            self.group.on_waiting = self._slot_freed

    # -- waking ---------------------------------------------------------------------------
    def wake(self) -> None:
        """Thread-safe: run a claim pass as soon as possible."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- steps handed over by a command in this process (engine.wakeup.LocalRunner) -------------
    def _running(self) -> int:
        """Steps holding a slot: in flight, less those that ran and only wait for their batch's
        COMMIT (a claim fills those slots meanwhile, so the next batch forms while one commits;
        in flight stays under twice the concurrency)."""
        waiting = self.group.waiting if self.group is not None else 0
        return max(len(self.inflight) - waiting, len(self.inflight) - self.concurrency)

    def _free(self) -> int:
        return self.concurrency - self._running() - self._reserved

    def _maybe_wake(self) -> None:
        if self._drained:  # nothing was left due; a NOTIFY or the timer wakes the loop
            return
        if self._wake is not None and (self._free() >= self.claim_batch or not self._running()):
            self._wake.set()

    def _slot_freed(self) -> None:
        """A step now only waits for its batch's COMMIT: wake the claim loop if the worker is
        (nearly) full and this leaves enough slots free for a claim. A worker far from full
        already claimed what was due; waking it would only cost an empty claim."""
        if (not self._drained and self._wake is not None
                and len(self.inflight) + self._reserved > self.concurrency - self.claim_batch
                and self._free() >= self.claim_batch):
            self._wake.set()

    def reserve(self) -> bool:
        """Thread-safe: hold a slot for a step a command is about to claim for this worker."""
        with self._reserve_lock:
            if self._stop or self._loop is None or self._running() + self._reserved >= self.concurrency:
                return False
            self._reserved += 1
            return True

    def unreserve(self) -> None:
        with self._reserve_lock:
            self._reserved = max(0, self._reserved - 1)

    def hand(self, claimed: store.Claimed) -> bool:
        """Thread-safe: run a step claimed for this worker in a committed transaction; False if
        this worker can no longer take it (the caller then makes it due for any worker). A
        resumed wait goes to a database thread first (`_record_handed`)."""
        try:
            if self.group is not None and claimed.wait_kind and claimed.world is not None:
                self.db_pool.submit(self._record_handed, claimed)
            else:
                self._loop.call_soon_threadsafe(self._take, [claimed])
            return True
        except RuntimeError:  # the loop or the pool is closed: the worker stopped
            self.unreserve()
            return False

    def _record_handed(self, claimed: store.Claimed) -> None:
        """On a database thread: the handed resumed wait recorded at once (engine.resume_now),
        its successors handed to the loop; or the step itself, when it was not recorded."""
        steps = self._recorded_resumes([claimed])
        try:
            self._loop.call_soon_threadsafe(self._take, steps)
        except RuntimeError:  # the worker stopped meanwhile: due again for any worker
            with db.session(self.url) as s:
                for step in steps:
                    store.unclaim_step(s, step.id, self.owner, self.clock())

    def _take(self, steps: list[store.Claimed]) -> None:
        self.unreserve()
        for step in steps:
            self._spawn(step)

    # -- the loop ---------------------------------------------------------------------------
    async def run(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        unsubscribe, unsubscribe_runner = wakeup.subscribe(self.wake), wakeup.subscribe_runner(self)
        scheduler = self._start_scheduler() if self.use_scheduler else None
        heartbeat = asyncio.create_task(self._heartbeat())
        listener = self._start_listener()
        self._listening = listener is not None
        log.info("worker %s started (concurrency %s)", self.owner, self.concurrency)
        try:
            while not self._stop:
                # Cleared before the claim, not after it: a wake (NOTIFY, a hand-back, the timer)
                # arriving during the claim or the housekeeping makes the next wait return at once.
                self._wake.clear()
                claimed = await self.claim_pass()
                if claimed and not self._drained:
                    await asyncio.sleep(0)
                    continue
                await self._idle()
        finally:
            unsubscribe()
            unsubscribe_runner()
            heartbeat.cancel()
            if listener:
                listener.cancel()
            if scheduler:
                scheduler.shutdown(wait=False)
            await self._finish_inflight()
            self.db_pool.shutdown(wait=False)

    def _start_listener(self) -> asyncio.Task | None:
        url = self.url or self.settings.database_url
        if not url.startswith("postgresql"):
            return None
        from wayvo_app.runtime.pg_listen import listen_for_work

        return asyncio.create_task(listen_for_work(url, self.wake))

    def stop(self) -> None:
        self._stop = True
        self.wake()

    async def claim_pass(self) -> int:
        free = self._free()
        if free <= 0:
            return 0
        try:
            taken, steps = await self.executor.db(self._claim, free)
        except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
            log.exception("claim failed; retrying shortly")
            await asyncio.sleep(min(self.poll_interval, 1.0))
            return 0
        self._drained = self._listening and taken < free
        for step in steps:
            self._spawn(step)
        return taken

    def _claim(self, limit: int) -> tuple[int, list[store.Claimed]]:
        """How many steps were claimed, and the steps to run: the resumed waits among them are
        recorded at once, on this thread (`_recorded_resumes`)."""
        claimed = db.retry_once_on_disconnect(lambda: self._claim_once(limit))
        return len(claimed), self._recorded_resumes(claimed)

    def _recorded_resumes(self, steps: list[store.Claimed]) -> list[store.Claimed]:
        """`steps` with the resumed waits that resume inline recorded now, in one batch (PostgreSQL's
        group commit), and replaced by their successors (engine.resume_now). A failed batch
        committed nothing: the steps then run as claimed."""
        if self.group is None or not any(step.wait_kind for step in steps):
            return steps
        try:
            return resume_now.record_resumes(self.group.batch.record, steps, registry=self.executor.registry,
                                             settings=self.settings, now=self.clock())
        except Exception:  # noqa: BLE001 - the executor runs and records them instead
            log.exception("recording %d resumed steps at once failed; running them", len(steps))
            return steps

    def _claim_once(self, limit: int) -> list[store.Claimed]:
        with db.session(self.url) as s:
            return claim_with_worlds(s, self.owner, self.clock(), limit, self.lease)

    def _spawn(self, step: store.Claimed) -> None:
        task = asyncio.create_task(self._run_step(step))
        self.inflight[step.id] = task

    async def _run_step(self, step: store.Claimed) -> None:
        try:
            following = await self.executor.execute(step)
        except Exception:  # noqa: BLE001 - recovery re-queues the step after its lease
            log.exception("step %s crashed in the executor", step.id)
            following = []
        finally:
            self.inflight.pop(step.id, None)
        for nxt in following:
            self._spawn(nxt)
        self._maybe_wake()

    async def _idle(self) -> None:
        await asyncio.to_thread(self.housekeeping.maybe_run)
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
        except TimeoutError:
            pass

    async def _heartbeat(self) -> None:
        period = max(self.lease.total_seconds() / 3, 0.2)
        while True:
            await asyncio.sleep(period)
            ids = list(self.inflight)
            if ids:
                try:
                    await self.executor.db(self._renew, ids)
                except Exception:  # noqa: BLE001
                    log.exception("lease renewal failed")

    def _renew(self, ids: list[str]) -> None:
        with db.session(self.url) as s:
            store.renew_leases(s, self.owner, ids, self.clock() + self.lease)

    async def _finish_inflight(self, timeout: float = 10.0) -> None:
        if self.inflight:
            await asyncio.wait(list(self.inflight.values()), timeout=timeout)

    def _start_scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(event_loop=self._loop)
        scheduler.add_job(self.wake, "interval", seconds=self.poll_interval, id="wake", coalesce=True,
                          max_instances=1)
        scheduler.add_job(self.wake, "interval", seconds=5, id="housekeeping", coalesce=True, max_instances=1)
        scheduler.start()
        return scheduler

    # -- for tests and tools --------------------------------------------------------------------
    async def drain(self, timeout: float = 30.0) -> None:
        """Run until nothing is due and nothing is in flight (tests drive the engine with this)."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            recover_expired(self.clock(), self.url)
            claimed = await self.claim_pass()
            if not claimed and not self.inflight:
                await asyncio.to_thread(self.housekeeping.run_once)
                if not await self.claim_pass() and not self.inflight:
                    return
            if self.inflight:
                await asyncio.wait(list(self.inflight.values()), return_when=asyncio.FIRST_COMPLETED)
        raise TimeoutError("engine did not become idle in time")
