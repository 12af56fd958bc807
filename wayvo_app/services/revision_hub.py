"""One database poll per web process for every open viewer, SSE stream and executions list: each tick
reads the revision (`updated_at` + status) of all watched executions, one query per watching user (each
sees only the executions it may see, access.py), and of all watched workspaces (newest `updated_at` +
count of their executions) in one more, and wakes the watchers whose one changed. A workspace is
watched under the key `workspace_key(id)`. While nothing has changed for a while the ticks slow down
(idle viewers and streams cost less CPU).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from wayvo_app.services.execution_lists import revisions, workspace_revisions

log = logging.getLogger("wayvo.viewer")
TICK_SECONDS = 0.1
# After ACTIVE_SECONDS without a change (or a new watcher) the hub reads every IDLE_TICK_SECONDS: the
# first change after a quiet spell shows a little later (still well under a second), the rest as fast.
IDLE_TICK_SECONDS = 0.25
ACTIVE_SECONDS = 10.0
WORKSPACE_PREFIX = "workspace:"  # execution ids are UUIDs: no key of one kind looks like the other


def workspace_key(workspace_id: str) -> str:
    """The hub key under which a list watches every execution of a workspace."""
    return WORKSPACE_PREFIX + workspace_id


def _read(keys: list[str], who: Any) -> dict[str, str]:
    """Markers of the executions `who` may see (a watcher without a user sees none), and of the
    watched workspaces (a change marker only: the list reloads through its own permission check)."""
    workspaces = [key[len(WORKSPACE_PREFIX):] for key in keys if key.startswith(WORKSPACE_PREFIX)]
    executions = [key for key in keys if not key.startswith(WORKSPACE_PREFIX)]
    found = revisions(executions, who) if executions and who is not None else {}
    if workspaces:
        found.update({workspace_key(ws): marker for ws, marker in workspace_revisions(workspaces).items()})
    return found


class Subscription:
    """A viewer's interest in one execution; `changed` is set when its revision moves."""

    def __init__(self, execution_id: str, revision: str, who: Any = None):
        self.execution_id = execution_id
        self.revision = revision
        self.who = who  # the watching user (an id or a principal): the hub reads what it may see
        self.changed = asyncio.Event()
        self.closed = False

    async def wait(self, timeout: float) -> bool:
        """True when the revision changed (or the subscription was closed) within `timeout`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), timeout)
        fired = self.changed.is_set()
        self.changed.clear()
        return fired

    def close(self) -> None:
        self.closed = True
        self.changed.set()


class RevisionHub:
    def __init__(self, read: Callable[[list[str], Any], dict[str, str]] = _read, tick: float = TICK_SECONDS,
                 idle_tick: float | None = None):
        self._read, self._tick = read, tick
        self._idle_tick = tick if idle_tick is None else idle_tick
        self._busy_until = 0.0
        self._subs: dict[str, set[Subscription]] = {}
        self._task: asyncio.Task | None = None

    def _delay(self) -> float:
        return self._tick if time.monotonic() < self._busy_until else self._idle_tick

    def _busy(self) -> None:
        self._busy_until = time.monotonic() + ACTIVE_SECONDS

    def subscribe(self, execution_id: str, revision: str, who: Any = None) -> Subscription:
        self._busy()
        sub = Subscription(execution_id, revision, who)
        self._subs.setdefault(execution_id, set()).add(sub)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="wayvo-viewer-hub")
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.execution_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.execution_id]

    async def _run(self) -> None:
        while self._subs:
            await asyncio.sleep(self._delay())
            watchers: dict[Any, list[str]] = {}
            for execution_id, subs in list(self._subs.items()):
                for who in {sub.who for sub in subs}:
                    watchers.setdefault(who, []).append(execution_id)
            if not watchers:
                break
            for who, ids in watchers.items():
                try:
                    revisions = await asyncio.to_thread(self._read, ids, who)
                except Exception:  # noqa: BLE001 - a failed read (database busy) is retried next tick
                    log.exception("viewer revision poll failed")
                    continue
                for execution_id in ids:
                    current = revisions.get(execution_id, "")
                    for sub in list(self._subs.get(execution_id, ())):
                        if sub.who == who and current != sub.revision:
                            sub.revision = current
                            sub.changed.set()
                            self._busy()


hub = RevisionHub(idle_tick=IDLE_TICK_SECONDS)
