"""Limits on workflow documents and templates (WAYVO_MAX_CONFIG_STRING, WAYVO_MAX_DOCUMENT_BYTES) and
the quotas that keep one workspace from starving the others (running executions, child runs,
retries, step timeouts, query sizes). Read from the environment at each use (a few lookups), so
the pure core needs no settings object; the quotas, read by every start and every step, are
parsed again only when one of their variables changed."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MAX_CONFIG_STRING = 64 * 1024
DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024
DEFAULT_MAX_RUNNING_PER_WORKSPACE = 1000
DEFAULT_MAX_CHILDREN_PER_MINUTE = 600
DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_MIN_RETRY_DELAY = 1.0
DEFAULT_MAX_STEP_TIMEOUT = 3600.0
DEFAULT_MAX_QUERY_LIMIT = 1000


@dataclass(frozen=True)
class DocumentLimits:
    max_config_string: int  # WAYVO_MAX_CONFIG_STRING: characters in one config string
    max_document_bytes: int  # WAYVO_MAX_DOCUMENT_BYTES: one workflow document as UTF-8 JSON


@dataclass(frozen=True)
class Quotas:
    max_running_per_workspace: int  # WAYVO_MAX_RUNNING_PER_WORKSPACE: executions running at once
    max_children_per_minute: int  # WAYVO_MAX_CHILDREN_PER_MINUTE: Trigger Workflow runs started, per workspace
    max_attempts: int  # WAYVO_MAX_ATTEMPTS: the largest retry maxAttempts
    min_retry_delay: float  # WAYVO_MIN_RETRY_DELAY: seconds, the smallest retry initialDelay/maxDelay
    max_step_timeout: float  # WAYVO_MAX_STEP_TIMEOUT: seconds, the largest step `timeout`
    max_query_limit: int  # WAYVO_MAX_QUERY_LIMIT: rows one DataSource Query step may read


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, found {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, found {value}")
    return value


def get_document_limits() -> DocumentLimits:
    """The limits now (settings.py loads `.env` into the environment at start)."""
    return DocumentLimits(
        max_config_string=_positive_int("WAYVO_MAX_CONFIG_STRING", DEFAULT_MAX_CONFIG_STRING),
        max_document_bytes=_positive_int("WAYVO_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES),
    )


def _seconds(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, found {raw!r}") from None
    if not minimum <= value < float("inf"):
        raise ValueError(f"{name} must be at least {minimum:g}, found {raw}")
    return value


_QUOTA_VARIABLES = ("WAYVO_MAX_RUNNING_PER_WORKSPACE", "WAYVO_MAX_CHILDREN_PER_MINUTE", "WAYVO_MAX_ATTEMPTS",
                    "WAYVO_MIN_RETRY_DELAY", "WAYVO_MAX_STEP_TIMEOUT", "WAYVO_MAX_QUERY_LIMIT")
# What os.environ holds, looked up in the mapping under it (CPython's os.environ._data, keys
# encoded as os.environ encodes them): 0.1 us a variable instead of 1.2 through os.environ.get,
# whose Python layers (and a KeyError for an unset variable) cost more than parsing the quotas.
_ENVIRON_DATA = getattr(os.environ, "_data", None)
if _ENVIRON_DATA is not None:
    _environ_get, _QUOTA_KEYS = _ENVIRON_DATA.get, tuple(map(os.environ.encodekey, _QUOTA_VARIABLES))
else:  # pragma: no cover - another Python
    _environ_get, _QUOTA_KEYS = os.environ.get, _QUOTA_VARIABLES
_quotas: tuple[tuple, Quotas] | None = None  # the raw values and what they gave


def get_quotas() -> Quotas:
    """The quotas now: the environment's values, parsed again only when one of them changed (a
    bad value raises at every call, as it is never cached)."""
    global _quotas
    raw = tuple(map(_environ_get, _QUOTA_KEYS))
    cached = _quotas
    if cached is None or cached[0] != raw:
        cached = _quotas = (raw, _read_quotas())
    return cached[1]


def _read_quotas() -> Quotas:
    return Quotas(
        max_running_per_workspace=_positive_int("WAYVO_MAX_RUNNING_PER_WORKSPACE", DEFAULT_MAX_RUNNING_PER_WORKSPACE),
        max_children_per_minute=_positive_int("WAYVO_MAX_CHILDREN_PER_MINUTE", DEFAULT_MAX_CHILDREN_PER_MINUTE),
        max_attempts=_positive_int("WAYVO_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS),
        min_retry_delay=_seconds("WAYVO_MIN_RETRY_DELAY", DEFAULT_MIN_RETRY_DELAY, 0.0),
        max_step_timeout=_seconds("WAYVO_MAX_STEP_TIMEOUT", DEFAULT_MAX_STEP_TIMEOUT, 1.0),
        max_query_limit=_positive_int("WAYVO_MAX_QUERY_LIMIT", DEFAULT_MAX_QUERY_LIMIT),
    )


def timeout_problem(value: object) -> str | None:
    """Why a step `timeout` (seconds, already a number) is over the bound, or None."""
    limit = get_quotas().max_step_timeout
    if isinstance(value, int | float) and not isinstance(value, bool) and value > limit:
        return f"must be at most {limit:g} seconds (WAYVO_MAX_STEP_TIMEOUT), found {value:g}"
    return None


def query_limit_problem(value: object) -> str | None:
    """Why a DataSource Query `limit` (already a number) is over the bound, or None."""
    limit = get_quotas().max_query_limit
    if isinstance(value, int | float) and not isinstance(value, bool) and value > limit:
        return f"must be at most {limit} rows (WAYVO_MAX_QUERY_LIMIT), found {value:g}"
    return None
