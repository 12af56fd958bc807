"""One database poll per web process for every open viewer, SSE stream and executions list: each tick
reads the revision (`updated_at` + status) of all watched executions in one query, and of all watched
workspaces (newest `updated_at` + count of their executions) in one more, and wakes the watchers whose
one changed. A workspace is watched under the key `workspace_key(id)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from wayvo_app.services.execution_lists import revisions, workspace_revisions

log = logging.getLogger("wayvo.viewer")
TICK_SECONDS = 0.1
WORKSPACE_PREFIX = "workspace:"  # execution ids are UUIDs: no key of one kind looks like the other


def workspace_key(workspace_id: str) -> str:
    """The hub key under which a list watches every execution of a workspace."""
    return WORKSPACE_PREFIX + workspace_id


def _read(keys: list[str]) -> dict[str, str]:
    workspaces = [key[len(WORKSPACE_PREFIX):] for key in keys if key.startswith(WORKSPACE_PREFIX)]
    found = revisions([key for key in keys if not key.startswith(WORKSPACE_PREFIX)]) \
        if len(workspaces) < len(keys) else {}
    if workspaces:
        found.update({workspace_key(ws): marker for ws, marker in workspace_revisions(workspaces).items()})
    return found


class Subscription:
    """A viewer's interest in one execution; `changed` is set when its revision moves."""

    def __init__(self, execution_id: str, revision: str):
        self.execution_id = execution_id
        self.revision = revision
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
    def __init__(self, read: Callable[[list[str]], dict[str, str]] = _read, tick: float = TICK_SECONDS):
        self._read, self._tick = read, tick
        self._subs: dict[str, set[Subscription]] = {}
        self._task: asyncio.Task | None = None

    def subscribe(self, execution_id: str, revision: str) -> Subscription:
        sub = Subscription(execution_id, revision)
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
            await asyncio.sleep(self._tick)
            ids = list(self._subs)
            if not ids:
                break
            try:
                revisions = await asyncio.to_thread(self._read, ids)
            except Exception:  # noqa: BLE001 - a failed read (database busy) is retried next tick
                log.exception("viewer revision poll failed")
                continue
            for execution_id in ids:
                current = revisions.get(execution_id, "")
                for sub in list(self._subs.get(execution_id, ())):
                    if current != sub.revision:
                        sub.revision = current
                        sub.changed.set()


hub = RevisionHub()
