"""Per-client limits on failed sign-ins and invalid API keys: 429 with Retry-After for that
client only. Counters live in the web process (each web worker counts on its own)."""

from __future__ import annotations

import threading
import time
from collections import deque

from wayvo_app.core.errors import WorkflowError


class TooManyRequestsError(WorkflowError):
    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed attempts; try again in {retry_after} s")
        self.headers = {"Retry-After": str(retry_after)}


class FailureLimiter:
    """At most `limit` failures per `window` seconds per client key."""

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def check(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            failures = self._recent(key, now)
            if len(failures) >= self.limit:
                raise TooManyRequestsError(max(1, int(failures[0] + self.window - now) + 1))

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()

    def fail(self, key: str) -> None:
        with self._lock:
            self._recent(key, self.clock()).append(self.clock())
            if len(self._failures) > 50_000:  # bound memory under a spray of addresses
                self._failures.pop(next(iter(self._failures)))


LOGIN_FAILURES = FailureLimiter(limit=10, window=300)
TOKEN_FAILURES = FailureLimiter(limit=30, window=60)


def client_key(request) -> str:
    return request.client.host if request.client else "unknown"
