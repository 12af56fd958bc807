"""Group commit of step records (PostgreSQL): the steps of one worker that finished with a plain
success are queued, and a flusher records all queued ones in ONE transaction with set-based
statements, then hands each step its successors (claimed inline for this worker) after COMMIT.

The guarantees of the per-step record hold for every step of a batch:
- its outcome is committed before any successor runs (successors are returned after COMMIT);
- fencing: one UPDATE of all the steps WHERE status = 'running' AND lease_owner = me; a step
  whose lease moved drops out (no outcome, no successors), the others are recorded;
- completions of one execution serialize: every execution of the batch is locked first, in id
  order (two workers' batches cannot deadlock on them; a deadlock with anything else is retried),
  and the snapshot is read after the lock and after the batch's own step updates, so parallel
  branches finishing in one batch see each other (a join is created once);
- `synchronous_commit` is untouched: a batch is acknowledged by its own durable COMMIT.
Anything unusual (failures, waits, Transactional writes, SQLite) keeps the per-step
record; a batch that fails as a whole is recorded step by step instead."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from wayvo_app.core.outcomes import Completed
from wayvo_app.core.progress import execution_status, handles_for_success
from wayvo_app.engine import metrics
from wayvo_app.engine.recorder import StepRun, _masked
from wayvo_app.engine.transitions import claimed_successors, successor_rows, wake_parent
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store import step_batches as bulk

log = logging.getLogger("wayvo.worker")

MAX_BATCH = 256
# Batches committing at once per worker: while one waits for PostgreSQL (statements, WAL flush),
# the next is built. Each locks its executions in id order, so they cannot deadlock either.
MAX_FLUSHES = 2
_RETRYABLE = ("40P01", "40001")  # deadlock detected, serialization failure
OWN = object()  # plan_and_commit's default: successors claimed by the recorder's owner


def batchable(run: StepRun, outcome: Any) -> bool:
    """A plain success (of a step, or of a resumed wait: a signal's, a decision's...) whose
    successors run here."""
    return type(outcome) is Completed and run.inline


def _retryable(exc: DBAPIError) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _RETRYABLE


def success_rows(items: list[tuple[StepRun, Completed]]) -> tuple[list[dict], list[dict], list[Any]]:
    """The fenced record's rows of plain successes, their log lines and their outputs (credentials masked)."""
    rows, logs, outputs = [], [], []
    for run, outcome in items:
        outcome = _masked(run, outcome)
        handles = list(handles_for_success(outcome.branch, outcome.default_taken))
        rows.append({"id": run.claimed.id, "input": run.ctx.resolved_input, "output": outcome.output,
                     "handles": handles, "finished_at": run.now})
        outputs.append(outcome.output)
        logs += [{"execution_id": run.claimed.execution_id, "step_id": run.claimed.id, "node_id": run.node.id,
                  "level": level, "message": message, "created_at": run.now}
                 for level, message in run.ctx.logger.lines]
    return rows, logs, outputs


class BatchRecorder:
    """The batch's one transaction (runs on a database thread)."""

    def __init__(self, *, owner: str, url: str | None, lease: timedelta):
        self.owner, self.url, self.lease = owner, url, lease

    def record(self, items: list[tuple[StepRun, Completed]]) -> list[list[store.Claimed]]:
        """Successors claimed for each item (empty for a step fenced out or of a stopped
        execution). Retried on a dead connection (the first attempt committed nothing, or the
        fence refuses the second) and on a deadlock or serialization failure."""
        for attempt in range(3):
            try:
                return db.retry_once_on_disconnect(lambda: self._record(items))
            except OperationalError as exc:
                if not _retryable(exc) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _record(self, items: list[tuple[StepRun, Completed]]) -> list[list[store.Claimed]]:
        """Two round trips (store/step_batches: lock_and_fence, insert_settle_commit), with the
        successors planned in between on the snapshot read after the lock and the record."""
        rows, logs, outputs = success_rows(items)
        with db.session(self.url) as s:
            fenced = bulk.lock_and_fence(s, self.owner, [run.claimed.execution_id for run, _ in items], rows, logs)
            return self.plan_and_commit(s, items, outputs, fenced)

    def plan_and_commit(self, s, items: list[tuple[StepRun, Completed]], outputs: list[Any], fenced: bulk.Fenced,
                        *, claim_for: str | None | object = OWN, before: list = ()) -> list[list[store.Claimed]]:
        """The successors of the recorded steps (`fenced`: their locked executions, the steps
        recorded and the snapshot rows read under the lock), claimed for `claim_for` (this
        recorder's owner by default; None: due for any worker, woken by a NOTIFY at the COMMIT),
        inserted with the executions' statuses after the statements `before`, and the COMMIT."""
        claim_for = self.owner if claim_for is OWN else claim_for
        results: list[list[store.Claimed]] = [[] for _ in items]
        executions = fenced.executions
        live: list[tuple[int, StepRun]] = []
        known: dict[str, dict[str, Any]] = {}
        for i, (run, _) in enumerate(items):
            claimed = run.claimed
            if claimed.execution_id not in executions:  # cancelled or finished meanwhile
                try:
                    store.fence_update(s, claimed.id, self.owner, status="cancelled", finished_at=run.now)
                except store.LeaseLost:
                    pass
            elif claimed.id in fenced.recorded:
                live.append((i, run))
                known.setdefault(claimed.execution_id, dict(run.world.outputs))[run.node.id] = outputs[i]
        snaps = bulk.snapshots_of(fenced.snapshot_rows, sorted(known), known)
        new_rows: list[dict] = []
        due = False
        for i, run in live:
            execution, snap = executions[run.claimed.execution_id], snaps[run.claimed.execution_id]
            skipped, run_rows = successor_rows(execution.id, run.world.graph, run.node.id, run.now,
                                               owner=claim_for, lease=self.lease, snap=snap)
            new_rows += skipped + run_rows
            due |= bool(run_rows) and claim_for is None
            results[i] = claimed_successors(execution, run.world.graph, run_rows, owner=claim_for,
                                            snap=snap, user=run.world.user)
        latest: dict[str, StepRun] = {}
        for _, run in live:
            seen = latest.get(run.claimed.execution_id)
            if seen is None or run.now >= seen.now:
                latest[run.claimed.execution_id] = run
        bulk.insert_settle_commit(s, new_rows, self._statuses(s, executions, snaps, latest), before=before,
                                  notify=due)
        return results

    @staticmethod
    def _statuses(s, executions: dict, snaps: dict, last_run: dict[str, StepRun]) -> list[tuple]:
        """Each execution with a recorded step: touched, with its derived status (as the per-step
        `refresh_status`); the rows of `settle_executions`. A finished one wakes its waiting parent
        (in this transaction, before the settle is sent with the COMMIT)."""
        settled, finished = [], []
        for execution_id, run in last_run.items():
            execution, snap = executions[execution_id], snaps[execution_id]
            status = execution_status(snap.states)
            if status == "success":
                trigger = run.world.graph.trigger()
                settled.append((execution_id, status, snap.last_output(exclude=trigger.id if trigger else None),
                                run.now))
                metrics.execution_finished(s, execution.workflow_id, status)
                finished.append((execution, run.now))
            else:
                settled.append((execution_id, status if status != execution.status else None, None, run.now))
            execution.status, execution.updated_at = status, run.now
        for execution, at in finished:
            wake_parent(s, execution, at)
        return settled


class GroupCommit:
    """The worker-side queue: `record` awaits the COMMIT of the batch its step joined. Up to
    `max_flushes` batches commit at once; steps finishing meanwhile form the next batch."""

    def __init__(self, batch: BatchRecorder, single: Callable[[StepRun, Any], list],
                 db_call: Callable[..., Awaitable[Any]], max_batch: int = MAX_BATCH,
                 max_flushes: int = MAX_FLUSHES):
        self.batch, self.single, self.db_call, self.max_batch = batch, single, db_call, max_batch
        self.max_flushes = max(1, max_flushes)
        self._queue: list[tuple[StepRun, Completed, asyncio.Future]] = []
        self._flushing = 0
        self._scheduled = False
        self._tasks: set[asyncio.Task] = set()
        self.flushes = 0  # for tools: batches recorded
        self.waiting = 0  # steps that ran and wait for their batch's COMMIT
        self.on_waiting: Callable[[], None] | None = None  # the worker: slots to claim into

    async def record(self, run: StepRun, outcome: Completed) -> list[store.Claimed]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.append((run, outcome, future))
        if self._flushing < self.max_flushes and not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start)  # steps finishing in this loop tick join the batch
        self.waiting += 1
        if self.on_waiting is not None:
            self.on_waiting()
        try:
            return await future
        finally:
            self.waiting -= 1

    def _start(self) -> None:
        self._scheduled = False
        if self._flushing >= self.max_flushes or not self._queue:
            return
        batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
        self._flushing += 1
        task = asyncio.ensure_future(self._flush(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, batch: list[tuple[StepRun, Completed, asyncio.Future]]) -> None:
        try:
            try:
                results: list[Any] = await self.db_call(self.batch.record, [(r, o) for r, o, _ in batch])
                self.flushes += 1
            except Exception:  # noqa: BLE001 - nothing of the batch committed: record one by one
                log.exception("batched record of %d steps failed; recording them one by one", len(batch))
                results = []
                for run, outcome, _ in batch:
                    try:
                        results.append(await self.db_call(self.single, run, outcome))
                    except Exception as exc:  # noqa: BLE001 - handed to that step's task
                        results.append(exc)
            for (_, _, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        finally:
            self._flushing -= 1
            if self._queue:
                self._start()
