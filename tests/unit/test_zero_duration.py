"""Zero is a valid duration (issue 16, item 11): a Sleep of `0s` saves and continues at once;
negative and unparseable durations are still refused on save and at run time."""

from datetime import UTC, datetime, timedelta

import pytest

from wayvo_app.core.errors import StepError
from wayvo_app.core.graph import parse_document
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.template_refs import TemplateScope
from wayvo_app.core.times import parse_duration
from wayvo_app.core.validation import validate
from wayvo_app.engine.context import StepContext
from wayvo_app.nodes import default_registry, sleep

NOW = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)


def _ctx():
    return StepContext(
        execution_id="e", workflow_id="w", step_id="s", node_id="n1", node_label="Nap", attempt=1,
        user_id="u", user_name="alice", user_roles=(), now=NOW,
        scope=TemplateScope(outputs={"t1": {}}, labels={"Trigger": "t1"}, trigger_id="t1"), trigger_input={},
    )


def _problems(duration):
    doc = {"name": "Zero", "nodes": [
        {"id": "t1", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "n1", "type": "action", "position": {"x": 0, "y": 100},
         "data": {"label": "Nap", "type": "action", "config": {"actionType": "Sleep", "duration": duration}}}],
        "edges": [{"id": "e1", "source": "t1", "target": "n1"}]}
    return [p.message for p in validate(parse_document(doc), default_registry())]


@pytest.mark.parametrize("text", ["0s", "0", "0m", " 0s "])
def test_zero_is_a_duration(text):
    assert parse_duration(text) == timedelta(0)


@pytest.mark.parametrize("text", ["0s", "0"])
def test_a_zero_sleep_saves_and_continues_at_once(text):
    assert _problems(text) == []
    assert sleep.run(_ctx(), {"duration": text}) == Completed({"sleptUntil": NOW.isoformat()})


@pytest.mark.parametrize("text", ["-5s", "-1", "soon"])
def test_negative_and_unparseable_durations_stay_errors(text):
    assert _problems(text) == [
        f"Node \"Nap\" (n1): field \"Duration\" (duration): Invalid duration '{text}': expected e.g. 30s, 5m, 24h, 7d"]
    with pytest.raises(StepError, match="Invalid duration"):
        sleep.run(_ctx(), {"duration": text})
