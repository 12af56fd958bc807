"""Resumed waits recorded without the executor. A resumed wait whose node resumes inline (a pure
function of the wait's outcome, as every built-in wait does) to a plain success needs nothing but
its record, which also claims its successors:
- a signal (PostgreSQL) records it in its own transaction (`record_in`, called by
  services.handover): the signal's statement claims the step and locks its execution, the
  execution's steps are read in the same round trip, and the record, the successors (claimed for
  the local worker, or due for any worker with a NOTIFY) and the COMMIT go in a second one;
- a worker records the resumed waits it claims, or that a decision hands it, as soon as the claim
  commits, on the database thread that claimed them (`record_resumes`, runtime.worker), in one
  batch (engine.group_commit), instead of a task, the group commit's queue and a thread hop each way.
Either way the worker's executor starts at the next step: for a signal, the resumed step's claim
and record transactions are off the path to it.

Anything else (no world or outcome at hand, a resume that is not inline or that fails, a node with
credentials) is left as it was claimed: the executor runs it (a failing resume again, so that its
failure is recorded with retries and error edges). The guarantees are the batch's: the resumed
step's outcome is committed before any successor runs, and the fence drops it if its lease moved."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from wayvo_app.core.outcomes import Completed
from wayvo_app.engine.executor import observe_duration, resume_inline, resumes_inline, step_context
from wayvo_app.engine.group_commit import BatchRecorder, batchable, success_rows
from wayvo_app.engine.recorder import StepRun
from wayvo_app.store import executions as store
from wayvo_app.store import step_batches as bulk


def resume_outcome(claimed: store.Claimed, *, registry: Any, settings: Any, now: datetime) -> tuple[StepRun, Completed] | None:
    """The resumed step run here and its outcome, when it resumes inline to a plain success."""
    world, resolution = claimed.world, claimed.resolution
    if not claimed.wait_kind or world is None or resolution is None or world.user is None:
        return None
    if world.execution.status not in ("running", "paused"):
        return None
    try:
        node = world.graph.node(claimed.node_id)
    except KeyError:
        return None
    spec = registry.get(node.action_type)
    if spec is None or node.config.get("integrationId") or not resumes_inline(spec):
        return None
    ctx = step_context(claimed, world, node, None, now=now, settings=settings)
    ctx.resume = resolution
    started = time.monotonic()
    try:
        outcome = resume_inline(spec, ctx, dict(node.config), resolution)
    except Exception:  # noqa: BLE001 - a failing resume is the executor's to record (retries, error edges)
        return None
    observe_duration(node.action_type, time.monotonic() - started)
    run = StepRun(claimed, world, node, spec, ctx, now, inline=True)
    return (run, outcome) if batchable(run, outcome) else None


def record_resumes(record: Callable[[list], list[list[store.Claimed]]], steps: list[store.Claimed], *,
                   registry: Any, settings: Any, now: datetime) -> list[store.Claimed]:
    """`steps` (claimed by the recorder's owner) with each resumed wait that resumes inline to a
    plain success recorded, all in one batch (`record`: BatchRecorder.record, one transaction), and
    replaced by its successors claimed for that owner (none for one fenced out). Raises when that
    transaction failed: nothing of it committed, and the caller runs `steps` as they are."""
    found = [(i, resume_outcome(step, registry=registry, settings=settings, now=now)) for i, step in enumerate(steps)]
    items = [(i, item) for i, item in found if item is not None]
    if not items:
        return steps
    following = dict(zip((i for i, _ in items), record([item for _, item in items]), strict=True))
    out: list[store.Claimed] = []
    for i, step in enumerate(steps):
        out.extend(following[i]) if i in following else out.append(step)
    return out


def record_in(s: Any, claimed: store.Claimed, steps: list[tuple], *, owner: str, claim_for: str | None,
              lease: timedelta, registry: Any, settings: Any, now: datetime) -> list[store.Claimed] | None:
    """A resumed wait claimed by `owner` in the transaction of `s` (a signal's), which holds its
    execution's lock and read the execution's step rows `steps` after taking it (store.waits'
    `_RESUMED_STEPS`: snapshot rows, then the row's id): recorded in that transaction with its
    successors (claimed for `claim_for`; None: due for any worker, NOTIFY), and COMMITTED, in
    one round trip. None when it does not resume inline to a plain success (nothing written)."""
    found = resume_outcome(claimed, registry=registry, settings=settings, now=now)
    if found is None:
        return None
    run, _ = found
    rows, logs, outputs = success_rows([found])
    recorded = (claimed.execution_id, claimed.node_id, "success", json.dumps(rows[0]["handles"]), None, now)
    snapshot = [recorded if row[6] == claimed.id else row[:6] for row in steps]
    fenced = bulk.Fenced({claimed.execution_id: run.world.execution}, {claimed.id}, snapshot)
    return BatchRecorder(owner=owner, url=None, lease=lease).plan_and_commit(
        s, [found], outputs, fenced, claim_for=claim_for, before=[bulk.fence_successes(owner, rows, logs)])[0]
