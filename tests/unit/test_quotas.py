"""Issue 16 item 5, the pure part: retry, step-timeout and query-limit bounds are refused on save with
a message naming the setting, and held to at run time; the settings are read and checked."""

from __future__ import annotations

import pytest

from wayvo_app.core.graph import parse_document
from wayvo_app.core.limits import get_quotas
from wayvo_app.core.retry import next_delay, policy_from_config
from wayvo_app.core.specs import RetryPolicy
from wayvo_app.core.validation import validate
from wayvo_app.engine.executor import _step_timeout
from wayvo_app.engine.registry import get_registry


def _document(action_type: str, **config) -> dict:
    trigger = {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
               "data": {"label": "Start", "type": "trigger", "config": {"triggerType": "Manual"}}}
    step = {"id": "a", "type": "action", "position": {"x": 0, "y": 100},
            "data": {"label": "Step", "type": "action", "config": {"actionType": action_type, **config}}}
    return {"name": "Quota", "nodes": [trigger, step], "edges": [{"id": "e", "source": "t", "target": "a"}]}


def _messages(action_type: str, **config) -> list[str]:
    return [p.message for p in validate(parse_document(_document(action_type, **config)), get_registry())]


def _http(**config) -> list[str]:
    return _messages("HTTP Request", httpMethod="GET", endpoint="https://example.com", **config)


def test_retry_settings_over_the_bounds_are_refused_on_save_naming_the_setting():
    assert _http(retry={"maxAttempts": 50}) == [
        'Node "Step" (a): Invalid retry setting "maxAttempts": at most 10 (WAYVO_MAX_ATTEMPTS), found 50']
    assert _http(retry={"maxAttempts": 3, "initialDelay": "0s", "maxDelay": 0.5}) == [
        'Node "Step" (a): Invalid retry setting "initialDelay": at least 1s (WAYVO_MIN_RETRY_DELAY), found 0s',
        'Node "Step" (a): Invalid retry setting "maxDelay": at least 1s (WAYVO_MIN_RETRY_DELAY), found 0.5s']
    assert _http(retry={"maxAttempts": 10, "initialDelay": "1s"}) == []


def test_retry_settings_follow_the_settings(monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("WAYVO_MIN_RETRY_DELAY", "0")
    assert _http(retry={"maxAttempts": 3, "initialDelay": "0s"}) == []
    assert "(WAYVO_MAX_ATTEMPTS), found 4" in _http(retry={"maxAttempts": 4})[0]


def test_at_run_time_a_saved_policy_is_held_to_the_bounds(monkeypatch):
    policy = policy_from_config({"maxAttempts": 1000, "initialDelay": 0, "maxDelay": 0}, RetryPolicy())
    assert policy.max_attempts == 10 and policy.initial_delay == 1.0 and policy.max_delay == 1.0
    assert next_delay(policy, 9) == 1.0 and next_delay(policy, 10) is None
    # A node type's own default policy is the developer's, not a user's: it is kept as written.
    fast = RetryPolicy(max_attempts=3, initial_delay=0)
    assert policy_from_config({"backoff": 1}, fast).initial_delay == 0


def test_a_step_timeout_over_the_bound_is_refused_on_save_and_held_to_at_run_time(monkeypatch):
    assert _http(timeout=7200) == [
        'Node "Step" (a): field "Timeout (seconds)" (timeout) must be at most 3600 seconds '
        "(WAYVO_MAX_STEP_TIMEOUT), found 7200"]
    assert _http(timeout="3600") == [] and _http(timeout="{{Trigger.wait}}") == []
    assert _step_timeout({"timeout": 7200}) == 3600.0
    monkeypatch.setenv("WAYVO_MAX_STEP_TIMEOUT", "60")
    assert "(WAYVO_MAX_STEP_TIMEOUT), found 61" in _http(timeout=61)[0]
    assert _step_timeout({"timeout": 7200}) == 60.0


def test_a_query_limit_over_the_bound_is_refused_on_save():
    query = {"datasourceId": "", "limit": 5000}
    assert 'field "Limit" (limit) must be at most 1000 rows (WAYVO_MAX_QUERY_LIMIT), found 5000' in "\n".join(
        _messages("DataSource Query", **query))
    assert not any("WAYVO_MAX_QUERY_LIMIT" in m for m in _messages("DataSource Query", limit="{{Trigger.n}}"))


@pytest.mark.parametrize(("name", "raw", "expected"), [
    ("WAYVO_MAX_RUNNING_PER_WORKSPACE", "0", "WAYVO_MAX_RUNNING_PER_WORKSPACE must be at least 1, found 0"),
    ("WAYVO_MAX_CHILDREN_PER_MINUTE", "many", "WAYVO_MAX_CHILDREN_PER_MINUTE must be a whole number"),
    ("WAYVO_MIN_RETRY_DELAY", "-1", "WAYVO_MIN_RETRY_DELAY must be at least 0, found -1"),
    ("WAYVO_MAX_STEP_TIMEOUT", "soon", "WAYVO_MAX_STEP_TIMEOUT must be a number of seconds"),
])
def test_a_bad_setting_is_named(monkeypatch, name, raw, expected):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ValueError, match=expected):
        get_quotas()


def test_the_defaults(monkeypatch):
    for name in ("WAYVO_MAX_RUNNING_PER_WORKSPACE", "WAYVO_MAX_CHILDREN_PER_MINUTE", "WAYVO_MAX_ATTEMPTS",
                 "WAYVO_MIN_RETRY_DELAY", "WAYVO_MAX_STEP_TIMEOUT", "WAYVO_MAX_QUERY_LIMIT"):
        monkeypatch.delenv(name, raising=False)  # importing `benchmarks` lifts the running quota
    quotas = get_quotas()
    assert (quotas.max_running_per_workspace, quotas.max_children_per_minute, quotas.max_attempts,
            quotas.min_retry_delay, quotas.max_step_timeout, quotas.max_query_limit) == (1000, 600, 10, 1.0, 3600.0, 1000)


def test_a_changed_setting_is_read_again(monkeypatch):
    # get_quotas parses the environment again only when one of its variables changed
    monkeypatch.delenv("WAYVO_MAX_RUNNING_PER_WORKSPACE", raising=False)
    assert get_quotas().max_running_per_workspace == 1000
    monkeypatch.setenv("WAYVO_MAX_RUNNING_PER_WORKSPACE", "7")
    assert get_quotas().max_running_per_workspace == 7
    monkeypatch.setenv("WAYVO_MAX_RUNNING_PER_WORKSPACE", "8")
    monkeypatch.setenv("WAYVO_MAX_STEP_TIMEOUT", "90")
    assert (get_quotas().max_running_per_workspace, get_quotas().max_step_timeout) == (8, 90.0)
    monkeypatch.delenv("WAYVO_MAX_RUNNING_PER_WORKSPACE")
    assert get_quotas().max_running_per_workspace == 1000
