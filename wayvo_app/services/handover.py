"""A command that resumes a waiting step (a signal, an approval decision) in a process that runs a
worker hands the step to that worker: claimed in the command's own transaction together with what
it needs to run (its world and the wait's outcome, so the worker reads nothing), given to the
worker only after the commit (engine.wakeup.LocalRunner)."""

from __future__ import annotations

import dataclasses
from typing import Any

from wayvo_app.engine import wakeup
from wayvo_app.engine.loader import StepWorld, graph_of_version, load_world
from wayvo_app.store import db
from wayvo_app.store import executions as store_executions
from wayvo_app.store.models import utcnow


def with_world(s, claimed: store_executions.Claimed, resolution: Any, *, execution=None, user=None,
               outputs: dict | None = None) -> store_executions.Claimed:
    """The claimed step with its world (given, or read now) and its wait's outcome. Never raises:
    the claim may be committed already, and the worker reads what is missing itself."""
    try:
        if execution is None or user is None:
            world = load_world(s, claimed.execution_id)
        else:
            world = StepWorld(execution, graph_of_version(s, execution.version_id), user, outputs or {})
    except Exception:  # noqa: BLE001 - the worker loads it (and fails the step with the reason)
        return claimed
    if world is None:
        return claimed
    return dataclasses.replace(claimed, world=world, resolution=resolution)


def hand_over(runner: wakeup.LocalRunner | None, handed: list) -> None:
    """After the command's commit: the local worker runs the step claimed for it (or the slot is
    freed; a step it can no longer take is made due for any worker)."""
    if runner is None:
        return
    if not handed:
        runner.unreserve()
    elif not runner.hand(handed[0]):
        with db.session() as s:
            store_executions.unclaim_step(s, handed[0].id, runner.owner, utcnow())
