"""Templates: reference syntax, rendering (raw values, text, JSON fields), conditions, the sandbox."""

from dataclasses import replace

import pytest

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.sandbox import RenderBudget
from wayvo_app.core.templates import (
    Reference,
    TemplateScope,
    evaluate_condition,
    find_references,
    render,
    render_json,
    render_value,
    syntax_problem,
)

TRIGGER_INPUT = {
    "name": "ada",
    "amount": 150,
    "country": "US",
    "vip": True,
    "items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}],
    "note": "{{Trigger.name}}",
    "dict": {"items": 3, "keys": "k", "values": None},
}
SCOPE = TemplateScope(
    outputs={"t1": TRIGGER_INPUT, "a1": {"status": 200, "body": {"email": "ada@example.com"}}},
    labels={"Start": "t1", "Fetch User": "a1", "Send Email": "a2"},
    trigger_id="t1",
)


def step_scope():
    """SCOPE with the fresh time budget one step gets (renders with one scope share one)."""
    return replace(SCOPE, budget=RenderBudget())


def r(text):
    return render(text, step_scope(), node_label="Send Email")


def refs(text):
    return [(ref.node_id, ref.label, ref.path) for ref in find_references(text)]


# --- reference syntax ---


def test_find_references_reads_labels_paths_and_stored_ids():
    text = "Hi {{Fetch User.body.email}}, {{ @a1:Fetch User.items[0].name }} {{Trigger}} {{Start.items.1}}"
    assert refs(text) == [
        (None, "Fetch User", ("body", "email")),
        ("a1", "Fetch User", ("items", 0, "name")),
        (None, "Trigger", ()),
        (None, "Start", ("items", 1)),
    ]


def test_find_references_keeps_the_raw_text_and_skips_filters():
    [ref] = find_references("{{ Trigger.name | upper }}")
    assert ref == Reference(node_id=None, label="Trigger", path=("name",), raw="Trigger.name")


def test_find_references_ignores_other_jinja():
    text = "{{ 1 + 2 }} {{ 'x' | upper }} {{ true }} {{ range(3) | list }} {# {{Hidden.x}} #} {{ not x }}"
    assert refs(text) == []
    # `{{ not Trigger.x }}` is an expression around a reference now (tests/unit/test_template_expressions.py)


def test_find_references_sees_references_inside_statements_but_not_loop_variables():
    text = "{% for item in {{Trigger.items}} %}{{ item.sku }} {{ loop.index }}{% endfor %}"
    assert refs(text) == [(None, "Trigger", ("items",))]


def test_find_references_scans_only_the_given_text():
    assert refs('{"body": "{{Fetch User.body}}"}') == [(None, "Fetch User", ("body",))]
    assert refs("no templates here { {x} }") == []


# --- render ---


def test_a_single_reference_keeps_the_raw_value():
    assert r("{{Trigger.amount}}") == 150
    assert r("  {{ Trigger.vip }} ") is True
    assert r("{{Trigger.items}}") == TRIGGER_INPUT["items"]
    assert r("{{Trigger}}") == TRIGGER_INPUT
    assert r("{{Fetch User.body}}") == {"email": "ada@example.com"}


def test_references_inside_text_render_as_text():
    assert r("Hi {{Trigger.name}}, you owe {{Trigger.amount}}") == "Hi ada, you owe 150"
    assert r("vip={{Trigger.vip}} none=[{{Trigger.dict.values}}]") == "vip=true none=[]"
    assert r("items: {{Trigger.items}}") == 'items: [{"sku":"A1","qty":2},{"sku":"B2","qty":1}]'


def test_paths_use_keys_before_anything_else_and_both_index_forms():
    assert r("{{Trigger.dict.items}}/{{Trigger.dict.keys}}") == "3/k"
    assert r("{{Trigger.items.0.sku}}") == "A1"
    assert r("{{Start.items[1].qty}}") == 1


def test_the_trigger_answers_to_its_alias_and_its_label():
    assert r("{{Trigger.name}}") == r("{{Start.name}}") == "ada"


def test_stored_references_resolve_by_id_whatever_the_label():
    assert r("{{@a1:Old Label.status}}") == 200
    assert r("{{@gone:Fetch User.status}}") == 200  # an unknown id falls back to the label


def test_rendered_values_are_never_rendered_again():
    assert r("{{Trigger.note}}") == "{{Trigger.name}}"
    assert r("note: {{Trigger.note}}") == "note: {{Trigger.name}}"


def test_filters_expressions_and_statements():
    assert r("{{Trigger.name | upper}}") == "ADA"
    assert r("{{ 1 + 2 }}") == "3"
    assert r("{% if {{Trigger.amount}} > 100 %}big{% else %}small{% endif %}") == "big"
    assert (
        r("{% for item in {{Trigger.items}} %}{{ item.sku }}{{ ',' if not loop.last }}{% endfor %}")
        == "A1,B2"
    )
    assert r("{{- Trigger.name -}} !") == "ada!"
    assert r("{{Trigger.missing | default('n/a')}}") == "n/a"


def test_text_without_templates_is_returned_as_is():
    assert r("plain {text}") == "plain {text}"


def test_a_missing_value_names_the_node_and_the_path():
    with pytest.raises(TemplateError) as caught:
        r("{{Fetch User.body.phone}}")
    assert (
        caught.value.message
        == 'Node "Send Email": {{Fetch User.body.phone}}: "Fetch User" has no value at "body.phone"'
    )
    with pytest.raises(TemplateError, match=r'\{\{Trigger.items.5\}\}: "Trigger" has no value at "items.5"'):
        r("x {{Trigger.items.5}}")


def test_a_node_that_has_not_run_or_does_not_exist():
    with pytest.raises(
        TemplateError, match=r'^Node "Send Email": \{\{Send Email.id\}\}: "Send Email" has not run$'
    ):
        r("{{Send Email.id}}")
    with pytest.raises(TemplateError, match=r"has not run"):
        r("id: {{Send Email.id | upper}}")
    with pytest.raises(TemplateError, match='there is no node "Nobody"'):
        r("{{Nobody.x}}")


def test_python_attributes_are_never_reached():
    with pytest.raises(TemplateError, match='has no value at "name.upper"'):
        r("{{Trigger.name.upper}}")
    with pytest.raises(TemplateError, match="not allowed in a template"):
        r("{{ ''.__class__.__mro__ }}")


def test_bad_jinja_fails_loudly_naming_the_node():
    with pytest.raises(TemplateError, match=r'^Node "Send Email": template syntax error'):
        r("{{ 1 + }}")
    with pytest.raises(
        TemplateError, match=r"^Node \"Send Email\": template error: 'undefined_name' is undefined"
    ):
        r("{{ undefined_name + 1 }}")


def test_render_value_walks_dicts_and_lists():
    value = {"to": "{{Fetch User.body.email}}", "n": 3, "tags": ["{{Trigger.country}}", "{{Trigger.amount}}"]}
    assert render_value(value, step_scope(), node_label="X") == {
        "to": "ada@example.com",
        "n": 3,
        "tags": ["US", 150],
    }
    assert render_value({"{{Trigger.name}}": 1}, step_scope(), node_label="X") == {"{{Trigger.name}}": 1}


# --- render_json ---


def j(value):
    return render_json(value, step_scope(), node_label="Call API")


def test_render_json_parses_json_then_renders_its_strings():
    assert j('{"id": "{{Trigger.amount}}", "msg": "hi {{Trigger.name}}"}') == {"id": 150, "msg": "hi ada"}
    assert j({"id": "{{Trigger.amount}}"}) == {"id": 150}
    assert j(["{{Trigger.vip}}"]) == [True]


def test_render_json_accepts_bare_references():
    text = '{"amount": {{Trigger.amount}}, "name": {{Trigger.name}}, "msg": "hi {{Trigger.name}}", "n": {{Trigger.items | length}}}'
    assert j(text) == {"amount": 150, "name": "ada", "msg": "hi ada", "n": 2}
    assert j("{{Trigger.dict}}") == TRIGGER_INPUT["dict"]
    assert j('{"note": {{Trigger.note}}}') == {"note": "{{Trigger.name}}"}


def test_render_json_of_nothing_is_none():
    assert j("") is None
    assert j("   ") is None


def test_render_json_refuses_text_that_is_not_json():
    with pytest.raises(TemplateError, match=r'^Node "Call API": field is not valid JSON after rendering: '):
        j("hello {{Trigger.name}}")


# --- conditions ---


def c(expr):
    return evaluate_condition(expr, step_scope(), node_label="Check")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ('{{Trigger.amount}} > 100 and {{Trigger.country}} == "US"', True),
        ("{{Trigger.amount}} > 1000 or {{Trigger.country}} == 'FR'", False),
        ("{{Trigger.vip}}", True),
        ("not {{Trigger.vip}}", False),
        ("{{Trigger.country}} in ['US', 'CA']", True),
        ("({{Trigger.amount}} > 100) and ({{Trigger.dict.values}} is none)", True),
        ("{{Trigger.name | upper}} == 'ADA'", True),
        ("True and not False and None is none and true", True),
        ("{{Fetch User.status}} == 200", True),
    ],
)
def test_conditions(expr, expected):
    assert c(expr) is expected


def test_condition_errors_name_the_node():
    with pytest.raises(TemplateError, match=r'^Node "Check": template syntax error'):
        c("{{Trigger.amount}} >")
    with pytest.raises(TemplateError, match=r'^Node "Check": the condition is empty'):
        c("  ")
    with pytest.raises(TemplateError, match=r'\{\{Send Email.ok\}\}: "Send Email" has not run'):
        c("{{Send Email.ok}} == true")
    with pytest.raises(TemplateError, match="is undefined"):
        c("Trigger.amount > 100")


def test_conditions_are_never_python_eval():
    with pytest.raises(TemplateError):
        c("__import__('os').system('true')")


# --- budgets ---


def test_nested_loops_stop_at_the_output_budget():
    # A long time budget: the output budget must be what stops it, however loaded the machine is
    # (long renders also pause to let the worker's loop run, see sandbox.check_deadline).
    scope = replace(SCOPE, budget=RenderBudget(seconds=120))
    with pytest.raises(TemplateError, match="rendered output exceeds 1 MiB"):
        render("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", scope,
               node_label="Send Email")


def test_silent_loops_stop_at_the_time_budget():
    with pytest.raises(TemplateError, match="rendering took longer than 1 second"):
        r("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")


def test_huge_values_are_refused():
    with pytest.raises(TemplateError, match="exceeds 1 MiB"):
        r("{{ 'x' * 10000000 }}")
    with pytest.raises(TemplateError, match="too large"):
        r("{{ 10 ** 10000000 }}")
    with pytest.raises(TemplateError, match="MAX_RANGE"):
        r("{{ range(10000000) | list | length }}")


def test_labels_with_brackets_need_the_stored_form():
    scope = TemplateScope(outputs={"a1": {"id": 7}}, labels={"Send SMS (copy)": "a1"}, trigger_id="t1")
    assert render("{{@a1:Send SMS (copy).id}}", scope, node_label="X") == 7
    assert syntax_problem("{{Send SMS (copy).id}}").startswith("template syntax error")
    assert syntax_problem("Hi {{Trigger.name | upper}} {% if {{Trigger.vip}} %}!{% endif %}") is None
    assert syntax_problem("plain") is None
