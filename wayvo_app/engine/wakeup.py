"""In-process wake-ups: commands tell local workers that work is due without waiting for a poll."""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable[[], None]] = []


def subscribe(callback: Callable[[], None]) -> Callable[[], None]:
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


def notify_work() -> None:
    for callback in list(_listeners):
        try:
            callback()
        except Exception:  # noqa: BLE001 - a dead listener must not break a command
            pass
