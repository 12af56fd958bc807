"""The client address that failure limits count by (services/failure_limits.py keeps the counts,
with the `limits` library: memory, or Redis shared by every web worker)."""

from __future__ import annotations


def client_key(request) -> str:
    return request.client.host if request.client else "unknown"
