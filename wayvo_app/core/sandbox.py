"""The jinja sandbox templates run in: StrictUndefined, keys before attributes, and a time and
output-size budget checked on every call, lookup, operator and loop iteration.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.environment import Template, TemplateExpression
from jinja2.sandbox import SandboxedEnvironment

MAX_OUTPUT_CHARS = 1024 * 1024
TIME_BUDGET_SECONDS = 1.0
_MAX_POWER_BITS = 100_000
_GUARD = "__guarded_iter"
NESTED_TOO_DEEPLY = "the template is nested too deeply (brackets or blocks inside each other)"

_deadline: ContextVar[float] = ContextVar("template_deadline", default=float("inf"))


class BudgetExceeded(Exception):
    """A template used more time or produced more output than one render may."""


def check_deadline() -> None:
    if time.monotonic() > _deadline.get():
        raise BudgetExceeded(f"rendering took longer than {TIME_BUDGET_SECONDS:g} second")


@contextmanager
def _time_budget() -> Iterator[None]:
    token = _deadline.set(time.monotonic() + TIME_BUDGET_SECONDS)
    try:
        yield
    finally:
        _deadline.reset(token)


def to_text(value: Any) -> str:
    """How a value reads inside text: None empty, strings as they are, the rest as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | list | tuple | dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def _guarded_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        check_deadline()
        yield item


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1:
        if abs(base).bit_length() * exponent > _MAX_POWER_BITS:
            raise BudgetExceeded("a number in the template is too large")


def _check_repeat(left: Any, right: Any) -> None:
    sequence, count = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(sequence, str | list | tuple) and isinstance(count, int):
        if len(sequence) * count > MAX_OUTPUT_CHARS:
            raise BudgetExceeded("rendered output exceeds 1 MiB")


class BudgetedSandbox(SandboxedEnvironment):
    """A sandbox that checks the render's deadline wherever a template can spend time."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, finalize=to_text)
        self.globals[_GUARD] = _guarded_iter

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        check_deadline()
        return super().call(context, obj, *args, **kwargs)

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
        if operator == "**":
            _check_power(left, right)
        else:
            _check_repeat(left, right)
        return super().call_binop(context, operator, left, right)


_ENV = BudgetedSandbox()


@lru_cache(maxsize=512)
def _compile_template(source: str) -> Template:
    """Compile with every `{% for %}` iterating through the deadline check."""
    tree = _ENV.parse(source)
    for loop in tree.find_all(nodes.For):
        guard = nodes.Call(nodes.Name(_GUARD, "load"), [loop.iter], [], None, None)
        loop.iter = guard.set_lineno(loop.lineno).set_environment(_ENV)
    return _ENV.from_string(tree)


@lru_cache(maxsize=512)
def _compile_expression(source: str) -> TemplateExpression:
    return _ENV.compile_expression(source, undefined_to_none=False)


def syntax_error(source: str) -> str | None:
    """Why jinja `source` does not parse, or None when it does."""
    try:
        _ENV.parse(source)
    except TemplateSyntaxError as exc:
        return exc.message
    except RecursionError:  # jinja's parser recurses once per bracket or block
        return NESTED_TOO_DEEPLY
    return None


def render_source(source: str, variables: Mapping[str, Any]) -> str:
    """Render jinja `source`, stopping at the time or output budget."""
    with _time_budget():
        parts, size = [], 0
        for chunk in _compile_template(source).generate(variables):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise BudgetExceeded("rendered output exceeds 1 MiB")
            parts.append(chunk)
        return "".join(parts)


def evaluate_source(source: str, variables: Mapping[str, Any]) -> Any:
    """The native value of the jinja expression `source` (a StrictUndefined raises when used)."""
    with _time_budget():
        return _compile_expression(source)(**variables)
