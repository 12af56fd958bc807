"""The jinja sandbox templates run in: StrictUndefined, keys before attributes, a time budget shared
by all the renders of one step, and size limits checked before every operator, call and filter.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.environment import Template, TemplateExpression
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from wayvo_app.core.sandbox_limits import (
    MAX_NATIVE_CHARS,
    MAX_VALUE_CHARS,
    BudgetExceeded,
    check_binop,
    check_call,
    check_fits,
    check_result,
    concat,
    guard_filter,
    guard_lipsum,
)

__all__ = ["BudgetExceeded", "RenderBudget", "evaluate_source", "render_source", "syntax_error", "to_text"]

MAX_OUTPUT_CHARS = MAX_VALUE_CHARS
MAX_WRITTEN_CHARS = 16 * MAX_OUTPUT_CHARS  # all text one render writes, macros and `{% set %}` blocks too
TIME_BUDGET_SECONDS = 1.0
NESTED_TOO_DEEPLY = "the template is nested too deeply (brackets or blocks inside each other)"
_GUARD, _CONCAT, _WRITE = "__guarded_iter", "__guarded_concat", "__guarded_write"


@dataclass
class RenderBudget:
    """The time the renders of one step may take together: each render spends from it."""

    seconds: float = TIME_BUDGET_SECONDS
    spent: float = 0.0


@dataclass
class _Render:
    """What the render running now may still use: a deadline and an amount of written text."""

    deadline: float = float("inf")
    written: int = 0
    checks: int = 0
    started: float = 0.0


_current: ContextVar[_Render | None] = ContextVar("template_render", default=None)


# A render running longer than YIELD_AFTER seconds pauses every YIELD_EVERY deadline checks: it is
# CPU work in a render thread, and a pause hands the GIL to the worker's loop (heartbeats, other
# steps) at once instead of after the interpreter's 5 ms switch interval. Short renders never pause.
YIELD_AFTER = 0.05
YIELD_EVERY = 256
YIELD_SECONDS = 0.0002


def check_deadline() -> None:
    render = _current.get()
    if render is None:
        return
    now = time.monotonic()
    if now > render.deadline:
        raise BudgetExceeded(f"rendering took longer than {TIME_BUDGET_SECONDS:g} second")
    render.checks += 1
    if render.checks % YIELD_EVERY == 0 and now - render.started > YIELD_AFTER:
        time.sleep(YIELD_SECONDS)


def _count_written(size: int) -> None:
    render = _current.get()
    if render is None:
        return
    render.written += size
    if render.written > MAX_WRITTEN_CHARS:
        raise BudgetExceeded("rendering wrote more than 16 MiB of text")


@contextmanager
def _within(budget: RenderBudget | None) -> Iterator[None]:
    budget = budget if budget is not None else RenderBudget()
    started = time.monotonic()
    if budget.spent >= budget.seconds:
        raise BudgetExceeded(f"rendering took longer than {TIME_BUDGET_SECONDS:g} second")
    token = _current.set(_Render(deadline=started + budget.seconds - budget.spent, started=started))
    try:
        yield
    finally:
        _current.reset(token)
        budget.spent += time.monotonic() - started


def to_text(value: Any) -> str:
    """How a value reads inside text: None empty, strings as they are, the rest as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | list | tuple | dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def _finalize(value: Any) -> str:
    """Every `{{ }}` output: it must fit when written out, and it counts towards what was written."""
    check_fits(value, "output")
    text = to_text(value)
    _count_written(len(text))
    return text


def _write(text: str) -> str:
    """Literal template text, made a call so that `_finalize` counts it when it is written (jinja
    would write a constant unseen, and in a loop inside a macro it could add up to gigabytes)."""
    return text


def _guarded_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        check_deadline()
        yield item


class BudgetedSandbox(SandboxedEnvironment):
    """A sandbox that checks the deadline wherever a template can spend time, and the size of
    whatever an operator, call or filter is about to build."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, finalize=_finalize)
        self.globals.update({_GUARD: _guarded_iter, _CONCAT: concat, _WRITE: _write})
        self.globals["lipsum"] = guard_lipsum(self.globals["lipsum"])
        self.filters = {name: guard_filter(name, f, check_deadline) for name, f in self.filters.items()}

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        check_deadline()
        args = check_call(obj, args, kwargs)
        return check_result(super().call(context, obj, *args, **kwargs), getattr(obj, "__name__", "call"))

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_deadline()
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_deadline()
        return super().getitem(obj, argument)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_deadline()
        check_binop(operator, left, right)
        return check_result(super().call_binop(context, operator, left, right), operator)


class _Guards(NodeTransformer):
    """Routes loops, `~`, and literal text inside bodies that are buffered before use (macros,
    `{% call %}`, `{% filter %}`, `{% set %}` blocks), through the guards above. Elsewhere literal
    text stays a constant: the render's own output is counted as it streams."""

    def __init__(self) -> None:
        self.buffered = 0

    def _buffered_body(self, node: nodes.Node) -> nodes.Node:
        self.buffered += 1
        self.generic_visit(node)
        self.buffered -= 1
        return node

    visit_Macro = visit_CallBlock = visit_FilterBlock = visit_AssignBlock = _buffered_body

    def _call(self, name: str, args: list[nodes.Expr], node: nodes.Node) -> nodes.Call:
        call = nodes.Call(nodes.Name(name, "load"), args, [], None, None)
        return call.set_lineno(node.lineno).set_environment(_ENV)

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = self._call(_GUARD, [node.iter], node)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        self.generic_visit(node)
        return self._call(_CONCAT, node.nodes, node)

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Node:
        return self._call(_WRITE, [nodes.Const(node.data)], node) if self.buffered else node


_ENV = BudgetedSandbox()


@lru_cache(maxsize=512)
def _compile_template(source: str) -> Template:
    return _ENV.from_string(_Guards().visit(_ENV.parse(source)))


@lru_cache(maxsize=512)
def _compile_expression(source: str) -> TemplateExpression:
    """As `Environment.compile_expression`, with the guards in the tree."""
    parser = Parser(_ENV, source, state="variable")
    expression = parser.parse_expression()
    if not parser.stream.eos:
        raise TemplateSyntaxError("chunk after expression", parser.stream.current.lineno, None, None)
    expression = _Guards().visit(expression.set_environment(_ENV))
    body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
    return TemplateExpression(_ENV.from_string(nodes.Template(body, lineno=1)), False)


def syntax_error(source: str) -> str | None:
    """Why jinja `source` does not parse, or None when it does."""
    try:
        _ENV.parse(source)
    except TemplateSyntaxError as exc:
        return exc.message
    except RecursionError:  # jinja's parser recurses once per bracket or block
        return NESTED_TOO_DEEPLY
    return None


def render_source(source: str, variables: Mapping[str, Any], budget: RenderBudget | None = None) -> str:
    """Render jinja `source` within `budget` (a fresh one when None) and the output limit."""
    template = _compile_template(source)  # compiled once per source: not the step's time to spend
    with _within(budget):
        parts, size = [], 0
        for chunk in template.generate(variables):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise BudgetExceeded("rendered output exceeds 1 MiB")
            parts.append(chunk)
        return "".join(parts)


def evaluate_source(source: str, variables: Mapping[str, Any], budget: RenderBudget | None = None) -> Any:
    """The native value of the jinja expression `source` (a StrictUndefined raises when used)."""
    expression = _compile_expression(source)
    with _within(budget):
        value = expression(**variables)
        check_fits(value, "result", MAX_NATIVE_CHARS)
        return value
