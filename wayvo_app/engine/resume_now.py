"""Resumed waits recorded as soon as their claim commits, on the database thread that claimed them.
A resumed wait whose node resumes inline (a pure function of the wait's outcome, as every built-in
wait does) to a plain success needs nothing from the event loop: the worker runs the resume and
records it in one batch transaction (engine.group_commit) right after the claim (its own claim
pass, or the claim a signal or a decision took for it, runtime.worker), and its successors,
claimed in that transaction, go to the loop instead. The loop's round trip between the claim and
the record (a task, the group commit's queue, a thread hop each way) is off the resume's path.

Anything else (no world or outcome at hand, a resume that is not inline or that fails, a node with
credentials) stays as it was claimed: the executor runs it (a failing resume again, so that its
failure is recorded with retries and error edges). The guarantees are the batch's: the resumed
step's outcome is committed before any successor runs, and the fence drops it if its lease moved."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from wayvo_app.core.outcomes import Completed
from wayvo_app.engine.executor import observe_duration, step_context
from wayvo_app.engine.group_commit import batchable
from wayvo_app.engine.recorder import StepRun
from wayvo_app.store import executions as store


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
    if spec is None or node.config.get("integrationId"):
        return None
    if spec.resume is not None and (not spec.resume_inline or inspect.iscoroutinefunction(spec.resume)):
        return None
    ctx = step_context(claimed, world, node, None, now=now, settings=settings)
    ctx.resume = resolution
    started = time.monotonic()
    try:
        outcome = Completed(resolution) if spec.resume is None else spec.resume(ctx, dict(node.config), resolution)
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
