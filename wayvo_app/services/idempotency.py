"""The Idempotency-Key header as the signal and execute APIs accept it: at most 200 characters."""

from __future__ import annotations

from wayvo_app.core.errors import BadRequestError

MAX_KEY_LENGTH = 200  # the column's length: a longer key could never be found again


def checked_key(value: str | None) -> str | None:
    """The key, or None when absent or blank; BadRequestError when it is too long."""
    if value is None or not value.strip():
        return None
    if len(value) > MAX_KEY_LENGTH:
        raise BadRequestError(f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters")
    return value
