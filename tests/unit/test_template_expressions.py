"""Issue 16, item 17: references inside any jinja expression (operators, comparisons, filters with
arguments) work at run time and are checked on save like plain references."""

from __future__ import annotations

import pytest

from wayvo_app.core.graph import parse_document
from wayvo_app.core.templates import (
    TemplateScope,
    evaluate_condition,
    find_references,
    render,
    render_json,
    syntax_problem,
)
from wayvo_app.core.validation import validate
from wayvo_app.nodes import default_registry

TRIGGER = {"n": 2, "a": "x", "total": 10.5, "name": "ada", "items": [{"sku": "A1"}, {"sku": "B2"}], "ok": True}
SCOPE = TemplateScope(
    outputs={"t1": TRIGGER, "o1": {"id": 7, "code": "Z"}, "s1": {"status": "sent"}},
    labels={"Start": "t1", "Order": "o1", "Send SMS (copy)": "s1"},
    trigger_id="t1",
)


def r(text):
    return render(text, SCOPE, node_label="Compute")


@pytest.mark.parametrize(("text", "expected"), [
    ("{{Trigger.n + 1}}", "3"),
    ('{{Trigger.a ~ "-" ~ Order.id}}', "x-7"),
    ("{{Trigger.total * 1.2 | round(2)}}", "12.6"),
    ("{{ Trigger.n > 1 and Order.id == 7 }}", "true"),
    ("{{ Trigger.n >= Order.id or not Trigger.ok }}", "false"),
    ("{{ not Trigger.ok }}", "false"),
    ("{{ Trigger.missing | default(Order.id) }}", "7"),
    ('{{ Trigger.name | replace("a", Order.code) | upper }}', "ZDZ"),
    ("{{ Trigger.total | round(0, method='floor') | int + Start.n }}", "12"),
    ("{{ Trigger.items[1].sku ~ Trigger.items.0.sku }}", "B2A1"),
    ("{{ Trigger.n if Trigger.ok else Order.id }}", "2"),
    ("{{ [Trigger.n, Order.id] | sum }}", "9"),
    ("{{ Trigger.name is defined and Trigger.n is not none }}", "true"),
    ("{{ @s1:Send SMS (copy).status == 'sent' }}", "true"),
    ("{{ Trigger['name'] ~ Trigger.name.upper() }}", "adaADA"),
    ('{{ "Order.id is " ~ Order.id }}', "Order.id is 7"),
    ("{% if {{Trigger.n + 1}} > 2 %}big{% endif %}", "big"),
    ("{% for item in {{Trigger.items}} %}{{ item.sku ~ loop.index }}{% endfor %}", "A11B22"),
])
def test_expressions_around_references_render(text, expected):
    assert r(text) == expected


def test_expressions_in_json_fields_and_conditions_keep_their_type():
    assert render_json('{"next": {{Trigger.n + 1}}, "price": {{Trigger.total * 2}}}', SCOPE,
                       node_label="Compute") == {"next": 3, "price": 21.0}
    assert evaluate_condition("{{Trigger.n * 2}} == 4 and {{Order.id - 7}} == 0", SCOPE, node_label="C") is True


def refs(text):
    return [(ref.node_id, ref.label, ref.path, ref.raw) for ref in find_references(text)]


def test_references_inside_expressions_are_found():
    assert refs('{{Trigger.a ~ "-" ~ Order.id}}') == [
        (None, "Trigger", ("a",), "Trigger.a"), (None, "Order", ("id",), "Order.id")]
    assert refs("{{ Trigger.missing | default(Order.items[0].id) }}") == [
        (None, "Trigger", ("missing",), "Trigger.missing"), (None, "Order", ("items", 0, "id"), "Order.items[0].id")]
    assert refs("{{ not Trigger.x }}") == [(None, "Trigger", ("x",), "Trigger.x")]
    assert refs("{{ @s1:Send SMS (copy).status + 1 }}") == [
        ("s1", "Send SMS (copy)", ("status",), "@s1:Send SMS (copy).status")]


def test_jinja_names_stay_jinja():
    text = ("{% set total = 1 %}{% for row in {{Trigger.items}} %}{{ row.sku | lower ~ loop.index }}{% endfor %}"
            "{{ total + 1 }}{{ x is divisibleby(3) }}{{ range(3) | join(d=',') }}{{ 'Order.id' ~ \"Nobody.x\" }}"
            "{{ (1).real }}{{ 1.5 + 2e3 }}")
    assert refs(text) == [(None, "Trigger", ("items",), "Trigger.items")]
    assert syntax_problem(text) is None


def test_macro_parameters_and_set_targets_stay_jinja():
    text = ("{% macro show(row, sep='-') %}{{ row.sku ~ sep }}{% endmacro %}{% set a, b = 1, 2 %}"
            "{% for item in {{Trigger.items}} %}{{ show(item) }}{{ a.real + b }}{% endfor %}")
    assert refs(text) == [(None, "Trigger", ("items",), "Trigger.items")]
    assert r(text) == "A1-3B2-3"


def _problems(config):
    doc = {"name": "Refs", "nodes": [
        {"id": "t1", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Start", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "o1", "type": "action", "position": {"x": 0, "y": 100},
         "data": {"label": "Order", "type": "action", "config": {"actionType": "Condition", "condition": "true"}}},
        {"id": "n1", "type": "action", "position": {"x": 0, "y": 200},
         "data": {"label": "Check", "type": "action", "config": {"actionType": "Condition", **config}}},
        {"id": "s1", "type": "action", "position": {"x": 0, "y": 300},
         "data": {"label": "Later", "type": "action", "config": {"actionType": "Condition", "condition": "true"}}}],
        "edges": [{"id": "e1", "source": "t1", "target": "o1"}, {"id": "e2", "source": "o1", "target": "n1"},
                  {"id": "e3", "source": "n1", "target": "s1"}]}
    return [p.message for p in validate(parse_document(doc), default_registry())]


def test_expressions_are_checked_on_save_like_plain_references():
    assert _problems({"condition": "{{Trigger.n + 1}} > {{Order.result * 2}}"}) == []
    assert _problems({"condition": "{{Trigger.n + Nobody.x}} > 1"}) == [
        'Node "Check" (n1): {{Nobody.x}} refers to unknown node "Nobody"']
    assert _problems({"condition": "{{ Trigger.n | default(Later.result) }}"}) == [
        'Node "Check" (n1): {{Later.result}} refers to "Later", which is not an upstream node']
    # the same problems as for plain references
    assert _problems({"condition": "{{Nobody.x}}"}) == ['Node "Check" (n1): {{Nobody.x}} refers to unknown node "Nobody"']
