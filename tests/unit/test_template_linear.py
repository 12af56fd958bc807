"""Issue 16, item 1: every template scanner is linear, and config strings and documents are capped.
A 1 MiB adversarial string goes through reference finding, validation and rendering in well under
a second of CPU (the bound is generous: the old lazy patterns took minutes on these inputs; CPU
time, so that other processes on a busy machine do not count)."""

from __future__ import annotations

import time

import pytest

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.graph import parse_document
from wayvo_app.core.limits import get_document_limits
from wayvo_app.core.template_refs import find_references, single_reference, to_jinja
from wayvo_app.core.templates import TemplateScope, evaluate_condition, render, render_json, syntax_problem
from wayvo_app.core.validation import validate
from wayvo_app.nodes import default_registry
from wayvo_app.nodes.http_request import _is_json_text
from wayvo_app.settings import reset_settings

MIB = 1024 * 1024
N = MIB // 2
ADVERSARIAL = {
    "openers": "{{" * N,
    "label then spaces then a bracket": "{{a" + " " * (MIB - 6) + "(}}",
    "the same outside a block": "a" + " " * (MIB - 2) + "(",
    "unterminated statements": "{%" * N,
    "unterminated comments": "{#" * N,
    "nested openers": "{{ {{" * (MIB // 5),
    "a for loop without in": "{% for a" + " " * (MIB - 20) + " x %}",
    "a macro without a closing bracket": "{% macro m(" + " " * (MIB - 20) + " %}",
    "escaped quotes in JSON": '{"a": ' + '"\\' * (MIB // 2 - 4),
    "closed blocks after open ones": "{{ " * (MIB // 3 - 2) + "}}",
}
# Dense but honest: one reference every 12 characters, each a variable that jinja then parses
# (jinja's own parser is the slow part), so half the default config string limit, not 1 MiB.
LONG_EXPRESSION = "{{ " + "Trigger.a + " * (32 * 1024 // 12 - 1) + "1 }}"
SCOPE = TemplateScope(outputs={"t1": {"a": 1}}, labels={"Trigger": "t1"}, trigger_id="t1")
SCANS = {
    "find_references": find_references,
    "single_reference": single_reference,
    "to_jinja": to_jinja,
    "expression": lambda text: to_jinja(text, expression=True),
    "syntax_problem": syntax_problem,
    "render": lambda text: render(text, SCOPE, node_label="Big"),
    "render_json": lambda text: render_json(text, SCOPE, node_label="Big"),
    "condition": lambda text: evaluate_condition(text, SCOPE, node_label="Big"),
    "http body scan": _is_json_text,
    "validate": lambda text: validate(_graph(text), default_registry()),
}


def _graph(text):
    return parse_document({"name": "Big", "nodes": [
        {"id": "t1", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "n1", "type": "action", "position": {"x": 0, "y": 100},
         "data": {"label": "Big", "type": "action", "config": {"actionType": "Condition", "condition": text}}}],
        "edges": [{"id": "e1", "source": "t1", "target": "n1"}]})


@pytest.fixture
def no_caps(monkeypatch):
    """Lift the limits so that the scanners themselves see the whole 1 MiB."""
    monkeypatch.setenv("WAYVO_MAX_CONFIG_STRING", str(4 * MIB))
    monkeypatch.setenv("WAYVO_MAX_DOCUMENT_BYTES", str(16 * MIB))
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_megabyte_strings_are_scanned_in_linear_time(no_caps, name):
    text = ADVERSARIAL[name]
    assert MIB - 64 <= len(text) <= MIB + 64
    _assert_every_scan_is_quick(name, text)


def test_a_long_expression_full_of_references_is_scanned_in_linear_time(no_caps):
    assert len(LONG_EXPRESSION) <= 32 * 1024
    assert len(find_references(LONG_EXPRESSION)) == 32 * 1024 // 12 - 1
    _assert_every_scan_is_quick("a long expression", LONG_EXPRESSION)


def _assert_every_scan_is_quick(name, text):
    for scan_name, scan in SCANS.items():
        started = time.process_time()
        try:
            scan(text)
        except TemplateError:
            pass  # refusing is fine; taking long is not
        elapsed = time.process_time() - started
        assert elapsed < 1, f"{scan_name} took {elapsed:.2f} s on {name}"


def test_the_scanners_still_find_what_the_patterns_found():
    text = "{{ {{Trigger.a}} {% if {{Trigger.b}} %}{# {{Hidden.x}} #}{% endif %}{{ Trigger.c | upper }}{{"
    assert [ref.raw for ref in find_references(text)] == ["Trigger.b", "Trigger.c"]
    assert _is_json_text('{"a": {{Trigger.a}}, "b": "{{ not a block }}", "c": "\\"{{"}')
    assert not _is_json_text('{"a": {{Trigger.a}, "b": 1}')
    assert single_reference("  {{ @t1:Start.items[0].sku }} ").path == ("items", 0, "sku")


def test_config_strings_over_the_limit_are_refused_naming_node_field_and_setting():
    text = "{{Trigger.a}}" + "x" * (64 * 1024)
    limit = get_document_limits().max_config_string
    assert limit == 64 * 1024
    started = time.process_time()
    assert [p.message for p in validate(_graph(text), default_registry())] == [
        f'Node "Big" (n1): field "Condition" (condition): the text is {len(text)} characters long; '
        f"the limit is {limit} (WAYVO_MAX_CONFIG_STRING)"]
    with pytest.raises(TemplateError) as caught:
        render(text, SCOPE, node_label="Big")
    assert caught.value.message == (
        f'Node "Big": the text is {len(text)} characters long; the limit is {limit} (WAYVO_MAX_CONFIG_STRING)')
    for call in (render_json, evaluate_condition):
        with pytest.raises(TemplateError, match="WAYVO_MAX_CONFIG_STRING"):
            call(text, SCOPE, node_label="Big")
    assert time.process_time() - started < 1


def test_the_limits_are_settings(monkeypatch):
    monkeypatch.setenv("WAYVO_MAX_CONFIG_STRING", "20")
    monkeypatch.setenv("WAYVO_MAX_DOCUMENT_BYTES", "300")
    reset_settings()
    try:
        with pytest.raises(TemplateError, match="the limit is 20 "):
            render("{{Trigger.a}} and then some", SCOPE, node_label="Big")
        [problem] = validate(_graph("{{Trigger.a}}"), default_registry())
        assert problem.message.startswith("Workflow document is ")
        assert problem.message.endswith("bytes; the limit is 300 bytes (WAYVO_MAX_DOCUMENT_BYTES)")
        monkeypatch.setenv("WAYVO_MAX_CONFIG_STRING", "lots")
        reset_settings()
        with pytest.raises(ValueError, match="WAYVO_MAX_CONFIG_STRING must be a whole number"):
            get_document_limits()
    finally:
        monkeypatch.undo()
        reset_settings()


def test_a_config_nested_deeper_than_the_stack_is_a_problem_not_a_crash():
    graph = _graph("ok")
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    graph.nodes[1].config["deep"] = deep
    assert [p.message for p in validate(graph, default_registry())] == [
        "Workflow document is nested too deeply to be stored"]
