"""A command that resumes a waiting step (a signal, an approval decision) in a process that runs a
worker hands the step to that worker: claimed in the command's own transaction together with what
it needs to run (its world and the wait's outcome, so the worker reads nothing), given to the
worker only after the commit (engine.wakeup.LocalRunner). A signal on PostgreSQL records the
resumed step in its own transaction instead, when it can (`record_in`, engine.resume_now), in any
process (HERE: one without a local worker), and hands over its successors."""

from __future__ import annotations

import dataclasses
import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from wayvo_app.engine import resume_now, wakeup
from wayvo_app.engine.loader import StepWorld, graph_of_version, load_world
from wayvo_app.engine.registry import get_registry, has_registry
from wayvo_app.settings import get_settings
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


class _Here:
    """The runner of a command in a process without a local worker with a free slot (a web
    process beside the engine's workers): the resumed step is claimed for this process and
    recorded in the command's transaction (`record_in`); it never takes a step to run."""

    def __init__(self) -> None:
        self.owner = f"resume:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=get_settings().lease_seconds)

    def reserve(self) -> bool:
        return True

    def unreserve(self) -> None:
        pass

    def hand(self, claimed: Any) -> bool:
        return False


HERE = _Here()


def records_here() -> bool:
    """Whether a command may record the wait it resumes in its own transaction (engine.resume_now):
    PostgreSQL's group commit, and a process that knows its node types."""
    return get_settings().group_commit and db.is_postgres_url() and has_registry()


def record_in(s, runner: wakeup.LocalRunner, step: store_executions.Claimed, steps: list[tuple] | None) -> list:
    """The command's resumed step recorded in its transaction (`s`, which this commits), with its
    successors: claimed for the local worker (returned, to hand over after the commit) or, for
    HERE, due for any worker. A step that is not recorded so is the local worker's to run
    (returned), or, for HERE, due for any worker again (in the same transaction)."""
    following = None
    if steps is not None and step.world is not None:
        following = resume_now.record_in(s, step, steps, owner=runner.owner,
                                         claim_for=None if runner is HERE else runner.owner, lease=runner.lease,
                                         registry=get_registry(), settings=get_settings(), now=utcnow())
    if following is not None:
        return following
    if runner is HERE:
        store_executions.unclaim_step(s, step.id, runner.owner, utcnow())
        return []
    return [step]


def hand_over(runner: wakeup.LocalRunner | None, handed: list) -> None:
    """After the command's commit: the local worker runs the steps claimed for it (or the slot is
    freed; a step it can no longer take is made due for any worker)."""
    if runner is None:
        return
    if not handed:
        runner.unreserve()
        return
    for i, step in enumerate(handed):  # several: the successors of a wait recorded in the command
        if (i and not runner.reserve()) or not runner.hand(step):
            with db.session() as s:
                store_executions.unclaim_step(s, step.id, runner.owner, utcnow())
