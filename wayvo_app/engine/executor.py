"""The only caller of step functions: runs a claimed step and records its outcome durably."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from wayvo_app.core.errors import StepError, WorkflowError
from wayvo_app.core.limits import get_quotas
from wayvo_app.core.outcomes import Completed, Failure
from wayvo_app.core.specs import Registry
from wayvo_app.engine.context import StepContext, StepLogger, secret_forms
from wayvo_app.engine.group_commit import MAX_FLUSHES, BatchRecorder, GroupCommit, batchable
from wayvo_app.engine.loader import decided_resolution, load_world
from wayvo_app.engine.metrics import STEP_DURATION
from wayvo_app.engine.recorder import Recorder, StepRun
from wayvo_app.store import db
from wayvo_app.store import executions as store
from wayvo_app.store import waits as store_waits

DEFAULT_STEP_TIMEOUT = 300.0


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await asyncio.to_thread(fn, *args)
    return await result if inspect.isawaitable(result) else result


def _step_timeout(config: dict) -> float:
    try:
        value = float(config.get("timeout") or DEFAULT_STEP_TIMEOUT)
    except (TypeError, ValueError):
        return DEFAULT_STEP_TIMEOUT
    return min(max(1.0, value), get_quotas().max_step_timeout)  # saved above the bound: held to it


def resumes_inline(spec: Any) -> bool:
    """Whether a node's resume runs without a thread hop: it has none (the wait's outcome is its
    output), or a plain function marked `resume_inline` (it only rearranges that outcome)."""
    return spec.resume is None or (spec.resume_inline and not inspect.iscoroutinefunction(spec.resume))


def resume_inline(spec: Any, ctx: StepContext, config: dict, resolution: Any) -> Any:
    """The outcome of a node that `resumes_inline`, from its wait's outcome (it may raise, as a step)."""
    return Completed(resolution) if spec.resume is None else spec.resume(ctx, config, resolution)


_durations: dict[str, Any] = {}


def observe_duration(action_type: str, seconds: float) -> None:
    child = _durations.get(action_type)
    if child is None:
        child = _durations[action_type] = STEP_DURATION.labels(action_type)
    child.observe(seconds)


class Executor:
    def __init__(self, *, owner: str, registry: Registry, settings: Any, url: str | None = None,
                 clock: Callable[[], datetime], lease: timedelta, http: Any = None,
                 credentials_for: Callable[..., Any] | None = None, db_pool: ThreadPoolExecutor | None = None,
                 group_commit: bool = False, group_flushes: int = MAX_FLUSHES):
        self.owner, self.registry, self.settings, self.url = owner, registry, settings, url
        self.clock, self.lease, self.http = clock, lease, http
        self.credentials_for = credentials_for
        self.db_pool = db_pool
        self.recorder = Recorder(owner=owner, registry=registry, settings=settings, url=url, lease=lease)
        # PostgreSQL workers record plain successes in batches (engine.group_commit).
        self.group = (GroupCommit(BatchRecorder(owner=owner, url=url, lease=lease), self.recorder.record, self.db,
                                  max_flushes=group_flushes)
                      if group_commit else None)

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Database work off the event loop, on the worker's pool of database threads: the round
        trips of different steps overlap (and their commits share PostgreSQL's WAL flushes), while
        the loop keeps running steps. Without a pool (a caller of its own), on the caller's thread."""
        if self.db_pool is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self.db_pool, functools.partial(fn, *args))

    def _load(self, claimed: store.Claimed) -> store.Claimed:
        """The step with its world and, for a resumed wait, its decided outcome: one read."""
        with db.read_session(self.url) as s:
            world = load_world(s, claimed.execution_id)
            resolution = decided_resolution(s, claimed, self.clock()) if world is not None else None
        return dataclasses.replace(claimed, world=world, resolution=resolution)

    async def execute(self, claimed: store.Claimed, *, inline: bool = True) -> list[store.Claimed]:
        """Run one claimed step; returns successors claimed inline for this worker to run next."""
        if claimed.world is None:
            claimed = await self.db(self._load, claimed)
        world = claimed.world
        if world is None or world.execution.status not in ("running", "paused"):
            await self.db(self.recorder.discard, claimed, self.clock())
            return []
        node = world.graph.node(claimed.node_id)
        spec = self.registry.get(node.action_type)
        ctx = self._context(claimed, world, node, None)
        started = time.monotonic()
        try:
            if node.config.get("integrationId") and self.credentials_for is not None:
                ctx.credentials = await self.db(self._credentials, world, claimed)
            ctx.logger.secrets = secret_forms(ctx.credentials) if ctx.credentials else ()
            if spec is None:
                raise StepError(f'Unknown action type "{node.action_type}"')
            outcome = await self._run(claimed, spec, ctx, dict(node.config))
        except StepError as exc:
            outcome = Failure(exc.message, exc.retryable, exc.retry_after)
        except WorkflowError as exc:
            outcome = Failure(exc.message, False, None)
        except TimeoutError:
            outcome = Failure(f"Step timed out after {_step_timeout(node.config):g}s", True, None)
        except Exception as exc:  # noqa: BLE001 - any bug in a step fails that step, not the worker
            outcome = Failure(f"{type(exc).__name__}: {exc}", False, None)
        observe_duration(node.action_type, time.monotonic() - started)
        run = StepRun(claimed, world, node, spec, ctx, self.clock(), inline)
        if self.group is not None and batchable(run, outcome):
            return await self.group.record(run, outcome)
        return await self.db(self.recorder.record, run, outcome)

    async def _run(self, claimed, spec, ctx: StepContext, config: dict):
        if claimed.wait_kind:
            resolution = claimed.resolution
            if resolution is None:
                resolution = await self.db(self._resolution, claimed)
            ctx.resume = resolution
            if resumes_inline(spec):
                return resume_inline(spec, ctx, config, resolution)  # no thread hop (NodeSpec.resume_inline)
            return await _call(spec.resume, ctx, config, resolution)
        if spec.run is None:
            return Completed(None)
        async with asyncio.timeout(_step_timeout(config)):  # no task of its own (wait_for makes one)
            return await _call(spec.run, ctx, config)

    def _resolution(self, claimed: store.Claimed) -> Any:
        now = self.clock()
        if claimed.wait_kind == "sleep":
            return {"sleptUntil": now.isoformat()}
        if claimed.wait_kind == "child":
            with db.read_session(self.url) as s:
                return store_waits.child_resolution(s, claimed.id)
        resolve = (store_waits.approval_resolution if claimed.wait_kind == "approval"
                   else store_waits.event_resolution)
        with db.read_session(self.url) as s:  # usually decided already: no write transaction needed
            decided = resolve(s, claimed.id, now, expire=False)
        if decided is not None:
            return decided
        with db.session(self.url) as s:  # still open: its time has come, expire it (one update wins)
            return resolve(s, claimed.id, now)

    def _credentials(self, world, claimed) -> dict | None:
        """The referenced integration's decrypted config (inside the step's error handling)."""
        integration_id = world.graph.node(claimed.node_id).config.get("integrationId")
        if not integration_id or self.credentials_for is None:
            return None
        with db.read_session(self.url) as s:
            return self.credentials_for(s, integration_id, world.execution.user_id)

    def _context(self, claimed, world, node, credentials) -> StepContext:
        return step_context(claimed, world, node, credentials, now=self.clock(), settings=self.settings,
                            http=self.http)


def step_context(claimed, world, node, credentials, *, now: datetime, settings: Any, http: Any = None) -> StepContext:
    """What a step function receives (StepContext), for a claimed step with its world."""
    secrets = secret_forms(credentials) if credentials else ()
    return StepContext(
        execution_id=claimed.execution_id, workflow_id=world.execution.workflow_id, step_id=claimed.id,
        node_id=node.id, node_label=node.label, attempt=claimed.attempt, user_id=world.user.id,
        user_name=world.user.user_name, user_roles=tuple(world.user.roles or ()), now=now,
        scope=world.scope(), trigger_input=world.execution.input, http=http,
        credentials=credentials, logger=StepLogger(secrets=secrets), settings=settings)
