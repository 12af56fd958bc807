"""In-process wake-ups: commands tell local workers that work is due without waiting for a poll,
and a command that makes one step due (a signal) can hand that step straight to a local worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

_listeners: list[Callable[[], None]] = []
_runners: list[LocalRunner] = []


class LocalRunner(Protocol):
    """A worker running in this process that takes steps claimed for it by a command's own
    transaction (no NOTIFY, no claim transaction): `reserve` a slot before the transaction,
    then `hand` it the claimed step after the commit, or `unreserve` if nothing was claimed."""

    owner: str
    lease: timedelta

    def reserve(self) -> bool: ...

    def unreserve(self) -> None: ...

    def hand(self, claimed: Any) -> bool: ...


def subscribe(callback: Callable[[], None]) -> Callable[[], None]:
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


def subscribe_runner(runner: LocalRunner) -> Callable[[], None]:
    _runners.append(runner)
    return lambda: _runners.remove(runner) if runner in _runners else None


def reserve_runner() -> LocalRunner | None:
    """A local worker with a free slot, the slot reserved; None when there is none."""
    for runner in list(_runners):
        try:
            if runner.reserve():
                return runner
        except Exception:  # noqa: BLE001 - a dead runner is skipped
            continue
    return None


def notify_work() -> None:
    for callback in list(_listeners):
        try:
            callback()
        except Exception:  # noqa: BLE001 - a dead listener must not break a command
            pass
