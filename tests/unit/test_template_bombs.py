"""Issue 16, item 4 (the sandbox part): the size of every intermediate value is bounded inside one
render, so a template bomb fails at once with a clear message instead of allocating gigabytes;
and one step's fields share one time budget."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.sandbox import RenderBudget
from wayvo_app.core.templates import TemplateScope, render, render_json, render_value

BIG = "x" * 1_000_000


def scope(**budget):
    return TemplateScope(outputs={"t1": {"n": 2, "big": BIG, "rows": [{"a": i} for i in range(1000)]}},
                         labels={}, trigger_id="t1", budget=RenderBudget(**budget))


BOMBS = [
    "{{ '%2000000000d' % 1 }}",
    "{{ '%*d' % (2000000000, 1) }}",
    "{{ '%.2000000000f' % 1.5 }}",
    "{{ '%2000000000d' | format(1) }}",
    "{{ '{:>2000000000}'.format(1) }}",
    "{{ '{0:{1}}'.format(1, 2000000000) }}",
    "{{ 'ab'.center(2000000000) }}",
    "{{ 'ab' | center(2000000000) }}",
    "{{ 'ab'.ljust(2000000000) ~ 'ab'.rjust(2000000000) }}",
    "{{ '1'.zfill(2000000000) }}",
    "{{ 'x' * 2000000000 }}",
    "{{ ['x'] * 2000000000 }}",
    "{{ Trigger.big.replace('x', 'yyyy') }}",
    "{{ Trigger.big | replace('x', 'yyyy') }}",
    "{{ 'x' | indent(2000000000) }}",
    "{{ lipsum(1000000) }}",
    "{{ [1, 2] | batch(2000000000, 0) | list }}",
    "{{ [1, 2] | slice(2000000000) | list }}",
    "{{ {'a': [1]} | tojson(2000000000) }}",
    "{{ 'a\\tb'.expandtabs(2000000000) }}",
    "{{ (2).to_bytes(2000000000, 'big') }}",
    "{{ Trigger.big.join(['a'] * 1000000) }}",
    "{{ (['a'] * 1000000) | join(Trigger.big) }}",
    "{{ [Trigger.big, Trigger.big, Trigger.big] }}",
    "{{ [Trigger.big, Trigger.big] | string }}",
    "{{ Trigger.big ~ Trigger.big }}",
    "{{ '%s%s' % (Trigger.big, Trigger.big) }}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
    "{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n > 0 }}",
    "{% set l = [1] %}{% for i in range(40) %}{% set _ = l.extend(l) %}{% endfor %}{{ l | length }}",
    "{% macro m() %}{% for i in range(100000) %}{{ Trigger.big }}{% endfor %}{% endmacro %}{{ m() | length }}",
    "{% macro m() %}{% for i in range(100000) %}" + "y" * 50_000 + "{% endfor %}{% endmacro %}{{ m() | length }}",
    "{% set x %}{% for i in range(100000) %}{{ Trigger.big }}{% endfor %}{% endset %}{{ x | length }}",
    "{{ ([[1]] * 100000) | sum(start=[]) | length }}",
]


@pytest.mark.parametrize("template", BOMBS)
def test_a_render_bomb_fails_quickly_without_building_it(template):
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(TemplateError) as caught:
            render(template, scope(), node_label="Bomb")
        elapsed = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = caught.value.message
    assert message.startswith('Node "Bomb": ')
    assert any(words in message for words in (
        "would exceed 1 MiB", "rendered output exceeds 1 MiB", "number in the template is too large",
        "wrote more than 16 MiB", "took longer than 1 second")), message
    assert elapsed < 2, f"{elapsed:.1f} s"
    assert peak < 64 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


def test_a_native_value_written_out_must_fit():
    with pytest.raises(TemplateError, match="exceed"):
        render_json('{"a": {{ [Trigger.big] * 17 }} }', scope(), node_label="Bomb")
    many = ", ".join(["Trigger.big"] * 17)
    with pytest.raises(TemplateError, match="would exceed 16 MiB"):
        render_json('{"a": {{ [' + many + "] }} }", scope(), node_label="Bomb")


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ '%05d|%-4s|%.2f' % (42, 'ab', 3.14159) }}", "00042|ab  |3.14"),
    ("{{ '{:>5}|{}'.format(1, 'x') }}", "    1|x"),
    ("{{ 'x' | center(5) }}", "  x  "),
    ("{{ 'a b' | replace(' ', '_') ~ 'ab'.replace('b', 'cd') }}", "a_bacd"),
    ("{{ ['a', 'b'] | join('-') ~ ','.join(['c', 'd']) }}", "a-bc,d"),
    ("{{ 'x\\ny' | indent(2, true) }}", "  x\n  y"),
    ("{{ [1, 2, 3] | batch(2, 0) | list }}", "[[1,2],[3,0]]"),
    ("{{ [1, 2, 3] | slice(2) | list }}", "[[1,2],[3]]"),
    ("{{ [[1], [2]] | sum(start=[]) }}", "[1,2]"),
    ("{{ Trigger.rows | sum(attribute='a') }}", "499500"),
    ("{{ Trigger.rows | map(attribute='a') | join(',') | length }}", "3889"),
    ("{{ Trigger.big | length }}", "1000000"),
    ("{{ Trigger.big | truncate(10) }}", "xxxxxxx..."),
    ("{{ lipsum(2, false, 5, 10) | wordcount > 9 }}", "true"),
    ("{{ 'Hi %s, %d' | format('ada', 3) }}", "Hi ada, 3"),
    ("{% macro m(n) %}{% for i in range(n) %}ab{% endfor %}{% endmacro %}{{ m(3) }}", "ababab"),
    ("{{ {'a': 1} | tojson(2) }}", '{\n  "a": 1\n}'),
])
def test_ordinary_filters_and_methods_still_work(template, expected):
    assert render(template, scope(), node_label="Fine") == expected


SILENT_LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def test_one_step_has_one_time_budget_for_all_its_fields():
    started = time.monotonic()
    with pytest.raises(TemplateError, match="took longer than 1 second"):
        render_value({"a": SILENT_LOOP, "b": SILENT_LOOP, "c": SILENT_LOOP}, scope(), node_label="Slow")
    assert time.monotonic() - started < 2  # each field had its own second before: 3 s


def test_the_budget_is_spent_by_each_render_of_the_step():
    step = scope()
    assert render("{{ Trigger.n + 1 }}", step, node_label="A") == "3"
    assert 0 < step.budget.spent < 1
    spent = scope(spent=1.0)
    with pytest.raises(TemplateError, match='^Node "A": rendering took longer than 1 second$'):
        render("{{ Trigger.n + 1 }}", spent, node_label="A")
    assert render("{{Trigger.n}}", spent, node_label="A") == 2  # a plain reference renders nothing
    assert render("{{ Trigger.n + 1 }}", scope(), node_label="A") == "3"  # another step, its own budget
