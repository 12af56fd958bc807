"""The builder's presenters of step data and problems: pretty JSON with where the data came from,
and validation problems in plain words (no internal node ids, nothing repeated under a field)."""

from __future__ import annotations

from wayvo_app.components.builder.problem_words import for_field, for_step, without_ids
from wayvo_app.components.builder.step_view import pretty, step_view


def test_problems_under_a_field_are_plain_words():
    assert for_field('Node "Call" (h): required field "URL" (endpoint) is empty', "endpoint", "URL") == \
        "Required: fill this in."
    assert for_field('Node "Nap" (s): field "Duration" (duration): Invalid duration \'soon\': expected e.g. 30s',
                     "duration", "Duration") == "Invalid duration 'soon': expected e.g. 30s"
    headers = for_field('Node "Call" (h): httpHeaders is not valid JSON: Expecting value (line 1, column 2)',
                        "httpHeaders", "Headers")
    assert headers == "Headers is not valid JSON: Expecting value (line 1, column 2)"
    assert for_field('Node "Approve" (a): approver "alcie" is not a user', "approvers", "Approvers") == \
        'Approver "alcie" is not a user'
    condition = for_field("Node \"Check\" (c): the condition does not parse: unexpected 'end of print statement'",
                          "condition", "Condition")
    assert condition == "The condition does not parse: it ends too early (a value is missing after an operator)"
    for text in (headers, condition):
        assert "(h)" not in text and "(c)" not in text


def test_problems_of_a_step_and_of_the_list_name_no_node_id():
    assert for_step('Node "Lonely" (x-81f2): is not connected to the trigger, so it never runs') == \
        "This step is not connected to the trigger, so it never runs"
    assert without_ids('Node "Check" (n-81f2): the condition does not parse: x') == \
        'Node "Check": the condition does not parse: x'
    assert without_ids("Node n-81f2 has an empty label", {"n-81f2": "Old"}) == 'Node "Old" has an empty label'
    assert without_ids("Workflow has no trigger") == "Workflow has no trigger"


def test_step_view_shows_pretty_json_and_its_source():
    assert step_view(None, is_trigger=False)["has"] is False
    entry = {"source": "run", "status": "success", "input": {"condition": "true"}, "output": {"result": True},
             "error": "", "at": "2026-11-30T09:00:13.764655+00:00", "note": "", "executionId": "e1"}
    view = step_view(entry, is_trigger=False)
    assert view["has"] and view["source"] == "From the last run" and view["statusWords"] == "succeeded"
    assert view["output"] == '{\n  "result": true\n}' and view["at"] == "2026-11-30 09:00:13 UTC"
    pinned = step_view({**entry, "source": "pin", "input": None}, is_trigger=True)
    assert pinned["pinned"] and pinned["pinText"] == pinned["output"] and pinned["input"] == ""
    assert pretty("x" * 30000).endswith("(cut: open the run in the viewer)")


def test_a_template_previews_against_the_step_data():
    from wayvo_app.components.builder.preview import preview
    from wayvo_app.core.graph import parse_document

    graph = parse_document({"name": "P", "edges": [{"id": "e", "source": "t", "target": "c"}], "nodes": [
        {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "c", "type": "action", "position": {"x": 0, "y": 100},
         "data": {"label": "Check", "type": "action", "config": {"actionType": "Condition", "condition": "true"}}}]})
    outputs = {"t": {"amount": 250, "customer": {"name": "Ada"}}}
    assert preview("Hi {{Trigger.customer.name}}", graph, "c", outputs) == ("Hi Ada", "")
    assert preview("{{Trigger.amount}} > 100", graph, "c", outputs, condition=True) == ("true", "")
    shown, why = preview("{{Trigger.missing}}", graph, "c", outputs)
    assert shown == "" and why and not why.startswith("Node ")
    assert preview("plain text", graph, "c", outputs) == ("", "")
    assert preview("{{Trigger.amount}}", graph, "c", {}) == ("", "")


def test_condition_rows_read_and_write_the_condition_text():
    from wayvo_app.components.builder.condition_rows import compose, parse

    assert parse("{{Trigger.amount}} > 100") == {"field": "{{Trigger.amount}}", "op": ">", "value": "100"}
    assert parse('{{Trigger.status}} == "paid"') == {"field": "{{Trigger.status}}", "op": "==", "value": "paid"}
    assert parse('"vip" in {{Trigger.tags}}') == {"field": "{{Trigger.tags}}", "op": "contains", "value": "vip"}
    assert parse("not {{Trigger.note}}")["op"] == "empty" and parse("{{Trigger.ok}}")["op"] == "filled"
    assert parse("{{A.x}} > 1 and {{B.y}}") is None
    for text in ("{{Trigger.amount}} > 100", '{{Trigger.status}} == "paid"', '"vip" in {{Trigger.tags}}',
                 "not {{Trigger.note}}", "{{Trigger.ok}}", "{{A.x}} != {{B.y}}", "{{A.x}} <= 2.5"):
        assert compose(parse(text)) == text
    assert compose({"field": "{{Trigger.name}}", "op": "==", "value": 'Ada "A"'}) == '{{Trigger.name}} == "Ada \\"A\\""'
    assert compose({"field": "", "op": "==", "value": "1"}) == ""
    assert parse('{{Trigger.name}} == "Ada \\"A\\""')["value"] == 'Ada "A"'


def test_values_held_in_the_state_show_as_json_not_python():
    """The state hands values back wrapped (a Mapping that is no dict): samples, data and previews
    still print JSON (the browser showed "{'name': 'Ada'}")."""
    from types import MappingProxyType

    from wayvo_app.components.builder.refs import _sample

    wrapped = MappingProxyType({"name": "Ada", "tags": (MappingProxyType({"vip": True}),)})
    assert _sample(wrapped) == '{"name": "Ada", "tags": [{"vip": true}]}'
    assert pretty(MappingProxyType({"a": None})) == '{\n  "a": null\n}'
