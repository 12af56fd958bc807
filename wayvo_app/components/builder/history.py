"""Undo and redo of the builder, per browser tab and workflow. Kept in the process (a tab's events
always reach the worker holding its websocket), so the state sent and stored per event stays small.
"""

from __future__ import annotations

import copy
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

MAX_STEPS = 60
MAX_TABS = 300
COALESCE_SECONDS = 1.5  # typing in one field is one undo step


@dataclass
class History:
    undo: list[dict[str, Any]] = field(default_factory=list)
    redo: list[dict[str, Any]] = field(default_factory=list)
    last_key: str = ""
    last_at: float = 0.0

    def record(self, before: dict[str, Any], key: str = "") -> None:
        """Remember the document before an edit; edits of one field in a row coalesce."""
        now = time.monotonic()
        if key and key == self.last_key and now - self.last_at < COALESCE_SECONDS:
            self.last_at = now
            return
        self.undo.append(copy.deepcopy(before))
        del self.undo[:-MAX_STEPS]
        self.redo.clear()
        self.last_key, self.last_at = key, now

    def step(self, current: dict[str, Any], back: bool) -> dict[str, Any] | None:
        source, target = (self.undo, self.redo) if back else (self.redo, self.undo)
        if not source:
            return None
        target.append(copy.deepcopy(current))
        self.last_key = ""
        return source.pop()


_histories: OrderedDict[tuple[str, str], History] = OrderedDict()


def history(token: str, workflow_id: str) -> History:
    key = (token, workflow_id)
    found = _histories.get(key)
    if found is None:
        found = _histories[key] = History()
        while len(_histories) > MAX_TABS:
            _histories.popitem(last=False)
    else:
        _histories.move_to_end(key)
    return found


def forget(token: str, workflow_id: str) -> None:
    _histories.pop((token, workflow_id), None)
