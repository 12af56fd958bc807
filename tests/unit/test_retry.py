"""Retry policy: delays with backoff, cap and Retry-After; a node's `retry` settings parsed."""

import pytest

from wayvo_app.core.retry import RETRY_AFTER_CAP, next_delay, policy_from_config
from wayvo_app.core.specs import RetryPolicy

POLICY = RetryPolicy(max_attempts=5, initial_delay=2, backoff=3, max_delay=30)


def test_delays_grow_by_the_backoff_factor_up_to_max_delay():
    assert [next_delay(POLICY, attempt) for attempt in (1, 2, 3, 4)] == [2, 6, 18, 30]


def test_no_delay_once_the_attempts_are_spent():
    assert next_delay(POLICY, 5) is None
    assert next_delay(POLICY, 9) is None
    assert next_delay(RetryPolicy(), 1) is None  # the default policy tries once


def test_retry_after_lengthens_the_delay_within_a_bound():
    assert next_delay(POLICY, 1, retry_after=20) == 20
    assert next_delay(POLICY, 1, retry_after=1) == 2  # never shorter than the backoff
    assert next_delay(POLICY, 1, retry_after=10**6) == RETRY_AFTER_CAP
    generous = RetryPolicy(max_attempts=3, max_delay=7200)
    assert next_delay(generous, 1, retry_after=5000) == 5000


def test_huge_attempt_numbers_do_not_overflow():
    policy = RetryPolicy(max_attempts=10**6, initial_delay=1, backoff=10, max_delay=60)
    assert next_delay(policy, 5000) == 60


def test_attempt_numbers_start_at_one():
    with pytest.raises(ValueError, match="attempt must be 1 or more"):
        next_delay(POLICY, 0)


def test_policy_from_config_reads_numbers_and_durations(monkeypatch):
    raw = {"maxAttempts": 4, "initialDelay": "5s", "backoff": 1.5, "maxDelay": "2m"}
    assert policy_from_config(raw, RetryPolicy()) == RetryPolicy(4, 5.0, 1.5, 120.0)
    monkeypatch.setenv("WAYVO_MIN_RETRY_DELAY", "0")  # zero is allowed only when the setting allows it
    assert policy_from_config({"maxAttempts": "3", "initialDelay": "0"}, RetryPolicy()).initial_delay == 0


def test_policy_from_config_keeps_the_default_for_absent_settings():
    default = RetryPolicy(max_attempts=3, initial_delay=10)
    assert policy_from_config(None, default) is default
    assert policy_from_config({}, default) == default
    assert policy_from_config({"maxAttempts": "", "backoff": None}, default) == default


@pytest.mark.parametrize(
    ("raw", "setting"),
    [
        ({"maxAttempts": 0}, "maxAttempts"),
        ({"maxAttempts": 2.5}, "maxAttempts"),
        ({"maxAttempts": True}, "maxAttempts"),
        ({"backoff": 0.5}, "backoff"),
        ({"backoff": "fast"}, "backoff"),
        ({"initialDelay": "soon"}, "initialDelay"),
        ({"initialDelay": -1}, "initialDelay"),
        ({"maxDelay": [1]}, "maxDelay"),
    ],
)
def test_policy_from_config_names_the_invalid_setting(raw, setting):
    with pytest.raises(ValueError, match=f'Invalid retry setting "{setting}"'):
        policy_from_config(raw, RetryPolicy())


def test_policy_from_config_wants_an_object():
    with pytest.raises(ValueError, match="Invalid retry settings"):
        policy_from_config("3 times", RetryPolicy())  # type: ignore[arg-type]
