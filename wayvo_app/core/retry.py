"""Retry policy arithmetic: the delay before the next attempt, and a node's `retry` settings parsed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wayvo_app.core.limits import get_quotas
from wayvo_app.core.specs import RetryPolicy
from wayvo_app.core.times import parse_duration

# A server's Retry-After may ask for more than the policy's max_delay, but not for more than this.
RETRY_AFTER_CAP = 3600.0


def next_delay(policy: RetryPolicy, attempt: int, retry_after: float | None = None) -> float | None:
    """Seconds to wait after failed attempt `attempt` (1-based), or None when no attempt is left."""
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, found {attempt}")
    if attempt >= policy.max_attempts:
        return None
    delay = min(_backoff_delay(policy, attempt), policy.max_delay)
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, max(policy.max_delay, RETRY_AFTER_CAP))
    return delay


def _backoff_delay(policy: RetryPolicy, attempt: int) -> float:
    try:
        return policy.initial_delay * policy.backoff ** (attempt - 1)
    except OverflowError:
        return float("inf")


def policy_from_config(raw: Mapping[str, Any] | None, default: RetryPolicy) -> RetryPolicy:
    """A node's `retry` settings {maxAttempts, initialDelay, backoff, maxDelay}; absent ones keep `default`."""
    if raw is None:
        return default
    if not isinstance(raw, Mapping):
        raise ValueError(
            "Invalid retry settings: expected an object with maxAttempts, initialDelay, backoff, maxDelay"
        )
    quotas = get_quotas()  # a user's settings are held to them (the node type's own defaults are not)
    attempts, initial, largest = _user_values(raw)
    return RetryPolicy(
        max_attempts=default.max_attempts if attempts is None else min(attempts, quotas.max_attempts),
        initial_delay=default.initial_delay if initial is None else max(initial, quotas.min_retry_delay),
        backoff=_backoff(raw.get("backoff"), default.backoff),
        max_delay=default.max_delay if largest is None else max(largest, quotas.min_retry_delay),
    )


def _user_values(raw: Mapping[str, Any]) -> tuple[int | None, float | None, float | None]:
    """maxAttempts, initialDelay and maxDelay as the user set them (None when absent)."""
    return (_attempts(raw.get("maxAttempts"), None), _delay("initialDelay", raw.get("initialDelay"), None),
            _delay("maxDelay", raw.get("maxDelay"), None))


def retry_limit_problems(raw: Mapping[str, Any] | None) -> list[str]:
    """For save-time checks: the retry settings outside WAYVO_MAX_ATTEMPTS / WAYVO_MIN_RETRY_DELAY
    (at run time they are held to those bounds instead)."""
    if not isinstance(raw, Mapping):
        return []
    quotas = get_quotas()
    attempts, initial, largest = _user_values(raw)
    problems = []
    if attempts is not None and attempts > quotas.max_attempts:
        problems.append(f'Invalid retry setting "maxAttempts": at most {quotas.max_attempts} '
                        f"(WAYVO_MAX_ATTEMPTS), found {attempts}")
    for setting, value in (("initialDelay", initial), ("maxDelay", largest)):
        if value is not None and value < quotas.min_retry_delay:
            problems.append(f'Invalid retry setting "{setting}": at least {quotas.min_retry_delay:g}s '
                            f"(WAYVO_MIN_RETRY_DELAY), found {value:g}s")
    return problems


def _is_unset(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return None


def _invalid(setting: str, expected: str, value: Any) -> ValueError:
    return ValueError(f'Invalid retry setting "{setting}": expected {expected}, found {value!r}')


def _attempts(value: Any, default: int | None) -> int | None:
    if _is_unset(value):
        return default
    number = _number(value)
    if number is None or not number.is_integer() or number < 1:
        raise _invalid("maxAttempts", "a whole number of at least 1", value)
    return int(number)


def _backoff(value: Any, default: float) -> float:
    if _is_unset(value):
        return default
    number = _number(value)
    if number is None or not number >= 1 or number == float("inf"):
        raise _invalid("backoff", "a number of at least 1", value)
    return number


def _delay(setting: str, value: Any, default: float | None) -> float | None:
    if _is_unset(value):
        return default
    number = _number(value)
    if number is None and isinstance(value, str):
        try:
            number = parse_duration(value).total_seconds()
        except ValueError:
            number = None
    if number is None or not 0 <= number < float("inf"):
        raise _invalid(setting, "seconds or a duration such as 5s, 1m", value)
    return number
