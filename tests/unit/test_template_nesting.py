"""Issue 16, item 10 (its template part): a nested `{{` in a config string is a clear template
error on save and at run time, never a RecursionError; so is any bracket nesting too deep for jinja."""

from __future__ import annotations

import pytest

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.graph import parse_document
from wayvo_app.core.templates import TemplateScope, evaluate_condition, render, render_json, syntax_problem
from wayvo_app.core.validation import validate
from wayvo_app.nodes import default_registry

SCOPE = TemplateScope(outputs={"t1": {"n": 2}}, labels={"Trigger": "t1"}, trigger_id="t1")
NESTED = 'a "{{" inside another "{{ }}": inside an expression, write references without braces, ' \
         "e.g. {{Trigger.amount + 1}}"
DEEP = "the template is nested too deeply (brackets or blocks inside each other)"
NESTED_TEXTS = [
    "{{ {{Trigger.n}} }}",
    "n = {{ {{Trigger.n}} + 1 }}",
    "{{ " * 3000 + "Trigger.n" + " }}" * 3000,
    "{% if {{ {{Trigger.n}} }} %}yes{% endif %}",
]
DEEP_TEXTS = [
    "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
    "{{ " + "{ " * 5000 + "}}",
    "{% if true %}" * 1000 + "x" + "{% endif %}" * 1000,
]


def _graph(text):
    return parse_document({"name": "Nest", "nodes": [
        {"id": "t1", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "n1", "type": "action", "position": {"x": 0, "y": 100},
         "data": {"label": "Nest", "type": "action", "config": {"actionType": "Condition", "condition": text}}}],
        "edges": [{"id": "e1", "source": "t1", "target": "n1"}]})


@pytest.mark.parametrize("text", NESTED_TEXTS)
def test_a_nested_opener_is_a_clear_error_on_save_and_at_run_time(text):
    assert syntax_problem(text) == f"template syntax error: {NESTED}"
    assert [p.message for p in validate(_graph(text), default_registry())] == [
        f'Node "Nest" (n1): field "Condition" (condition): template syntax error: {NESTED}']
    with pytest.raises(TemplateError) as caught:
        render(text, SCOPE, node_label="Nest")
    assert caught.value.message == f'Node "Nest": template syntax error: {NESTED}'


def test_nested_openers_in_conditions_and_json_fields():
    with pytest.raises(TemplateError, match='a "\\{\\{" inside another'):
        evaluate_condition("{{ {{Trigger.n}} }} > 1", SCOPE, node_label="Nest")
    with pytest.raises(TemplateError, match='a "\\{\\{" inside another'):
        render_json('{"n": {{ {{Trigger.n}} }} }', SCOPE, node_label="Nest")


@pytest.mark.parametrize("text", DEEP_TEXTS)
def test_nesting_deeper_than_jinja_can_parse_is_a_clear_error(text):
    assert syntax_problem(text) == f"template syntax error: {DEEP}"
    with pytest.raises(TemplateError) as caught:
        render(text, SCOPE, node_label="Nest")
    assert caught.value.message == f'Node "Nest": template syntax error: {DEEP}'


def test_json_fields_nested_deeper_than_the_parser_can_go():
    with pytest.raises(TemplateError, match="nested too deeply"):
        render_json("[" * 20_000 + "{{Trigger.n}}" + "]" * 20_000, SCOPE, node_label="Nest")
