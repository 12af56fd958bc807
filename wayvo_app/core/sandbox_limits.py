"""Size limits inside one render: each operator, call and filter that could build a value larger
than 1 MiB is checked before it runs (`'%2000000000d' % 1`, `center(10**9)`, `lipsum(10**6)`), so a
template bomb fails at once instead of allocating gigabytes or outliving the time budget.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from string import Formatter
from typing import Any

from jinja2.filters import make_attrgetter

MAX_VALUE_CHARS = 1024 * 1024  # one value, and the text one render returns
MAX_NATIVE_CHARS = 16 * MAX_VALUE_CHARS  # a native result (a JSON field's `{{ }}` value), written out
MAX_INT_BITS = 100_000
MAX_JSON_INDENT = 64
# `%` specs: mapping key (no `%` or brackets inside, so each is read once), flags, width, precision.
_PERCENT_SPEC = re.compile(r"%(?:\([^()%]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")
# Filters that only rearrange or count what they are given; every other filter writes its
# arguments out as text, so those arguments must fit in one value.
_STRUCTURAL_FILTERS = frozenset({
    "abs", "attr", "batch", "count", "d", "default", "dictsort", "first", "float", "groupby", "int",
    "items", "last", "length", "list", "map", "max", "min", "random", "reject", "rejectattr", "reverse",
    "round", "select", "selectattr", "slice", "sort", "sum", "unique",
})


class BudgetExceeded(Exception):
    """A template used more time or produced more output than one render may."""


def too_big(what: str, limit: int = MAX_VALUE_CHARS) -> BudgetExceeded:
    return BudgetExceeded(f"a value in the template would exceed {limit // (1024 * 1024)} MiB ({what})")


def value_size(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """About how many characters `value` takes written out, counted only until `limit` is passed.
    A part that appears many times counts each time, as it would in the text."""
    total, pending = 0, [value]
    while pending and total <= limit:
        item = pending.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 2
        elif isinstance(item, Mapping):
            total += 2 + 2 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + len(item)
            pending.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 1
        else:
            total += 8
    return total


def check_fits(value: Any, what: str, limit: int = MAX_VALUE_CHARS) -> None:
    if not isinstance(value, str | int | float | bool | type(None)) and value_size(value, limit) > limit:
        raise too_big(what, limit)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict | set | frozenset) else 0


def check_result(value: Any, what: str) -> Any:
    """`value`, unless a call or filter made something longer than one value may be."""
    if _length(value) > MAX_VALUE_CHARS:
        raise too_big(what)
    return value


def _check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and width > MAX_VALUE_CHARS:
        raise too_big(f"{what} {width}")


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Before `left <operator> right`: repetition, concatenation, powers, products, `%` formatting."""
    if operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if abs(left).bit_length() * right > MAX_INT_BITS:
                raise BudgetExceeded("a number in the template is too large")
    elif operator == "*":
        _check_product(left, right)
    elif operator == "+":
        if isinstance(left, str | bytes | list | tuple) and type(left) is type(right):
            if len(left) + len(right) > MAX_VALUE_CHARS:
                raise too_big("+")
    elif operator == "%" and isinstance(left, str):
        check_percent_format(left, right)


def _check_product(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int) and not isinstance(left | right, bool):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise BudgetExceeded("a number in the template is too large")
        return
    sequence, count = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(sequence, str | bytes | list | tuple) and isinstance(count, int) and count > 0:
        if value_size(sequence) * count > MAX_VALUE_CHARS:
            raise BudgetExceeded("rendered output exceeds 1 MiB")


def check_percent_format(text: str, values: Any) -> None:
    """`text % values`: no width or precision over the limit, and the values fit when written."""
    numbers = values if isinstance(values, tuple) else (values,)
    for spec in _PERCENT_SPEC.finditer(text):
        for part in (spec[1], spec[2]):
            if part == "*" and any(isinstance(n, int) and n > MAX_VALUE_CHARS for n in numbers):
                raise too_big("% width")
            if part and part != "*" and (len(part) > 7 or int(part) > MAX_VALUE_CHARS):
                raise too_big(f"% width {part}")
    check_fits(values, "% values")


def check_brace_format(text: str, args: tuple, kwargs: Mapping[str, Any]) -> None:
    """`text.format(...)`: no field width over the limit, and the arguments fit when written."""
    for _literal, _name, spec, _conversion in Formatter().parse(text):
        if not spec:
            continue
        if "{" in spec and any(isinstance(v, int) and v > MAX_VALUE_CHARS for v in (*args, *kwargs.values())):
            raise too_big("format width")
        for digits in _DIGITS.findall(spec):
            if len(digits) > 7 or int(digits) > MAX_VALUE_CHARS:
                raise too_big(f"format width {digits}")
    check_fits((args, dict(kwargs)), "format arguments")


def check_replace(text: str | bytes, old: Any, new: Any, count: Any = -1) -> None:
    if not isinstance(old, str | bytes) or not isinstance(new, str | bytes) or len(new) <= len(old):
        return
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    if len(text) + times * (len(new) - len(old)) > MAX_VALUE_CHARS:
        raise too_big("replace")


def joined(items: Iterable[Any], separator: Any, what: str) -> list[Any]:
    """The items of a join as a list, once their text and the separators fit in one value."""
    collected, total = [], 0
    step = len(separator) if isinstance(separator, str | bytes) else 0
    for item in items:
        collected.append(item)
        total += step + (len(item) if isinstance(item, str | bytes) else value_size(item))
        if total > MAX_VALUE_CHARS:
            raise too_big(what)
    return collected


def check_call(obj: Any, args: tuple, kwargs: dict[str, Any]) -> tuple:
    """Before a method call from a template; returns the arguments to call with (a join's
    iterable is read into a list once, to be measured)."""
    method = getattr(obj, "__wrapped__", obj)  # the sandbox hands `str.format` out wrapped
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if isinstance(owner, str | bytes):
        if name in ("center", "ljust", "rjust", "zfill") and args:
            _check_width(args[0], name)
        elif name == "expandtabs":
            size = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(size, int) and len(owner) + owner.count("\t") * size > MAX_VALUE_CHARS:
                raise too_big("expandtabs")
        elif name == "replace" and len(args) >= 2:
            check_replace(owner, *args[:3])
        elif name == "join" and args:
            return (joined(args[0], owner, "join"), *args[1:])
        elif name in ("format", "format_map"):
            check_brace_format(owner, args, kwargs if name == "format" else (args[0] if args else {}))
        elif name == "translate" and args:
            longest = max((_length(v) for v in getattr(args[0], "values", list)()), default=1)
            if len(owner) * longest > MAX_VALUE_CHARS:
                raise too_big("translate")
    elif isinstance(owner, list) and name in ("extend", "append", "insert"):
        added = _length(args[-1]) if name == "extend" and args else 1
        if len(owner) + added > MAX_VALUE_CHARS:
            raise too_big(name)
    elif isinstance(owner, int) and name == "to_bytes":
        _check_width(args[0] if args else kwargs.get("length", 1), "to_bytes")
    return args


def _filter_checks(name: str, arguments: dict[str, Any]) -> None:
    """The argument checks of one built-in filter (arguments bound by name, defaults applied)."""
    if name == "center":
        _check_width(arguments["width"], "center")
    elif name == "indent":
        width, text = arguments["width"], str(arguments["s"])
        step = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        if len(text) + (text.count("\n") + 1) * step > MAX_VALUE_CHARS:
            raise too_big("indent")
    elif name == "format":
        values = arguments["kwargs"] or arguments["args"]
        check_percent_format(str(arguments["value"]), values if isinstance(values, dict) else tuple(values))
    elif name == "replace":
        check_replace(str(arguments["s"]), arguments["old"], arguments["new"], arguments["count"])
    elif name == "join":
        arguments["value"] = joined(arguments["value"], arguments["d"], "join")
    elif name == "wordwrap":
        text, wrap, width = str(arguments["s"]), arguments["wrapstring"] or "\n", arguments["width"]
        lines = len(text) // max(width, 1) + text.count("\n") + 1 if isinstance(width, int) else 1
        if len(text) + lines * len(str(wrap)) > MAX_VALUE_CHARS:
            raise too_big("wordwrap")
    elif name == "batch" and arguments["fill_with"] is not None:
        _check_width(arguments["linecount"], "batch")
    elif name == "slice":
        _check_width(arguments["slices"], "slice")
    elif name == "tojson" and isinstance(arguments["indent"], int) and arguments["indent"] > MAX_JSON_INDENT:
        raise too_big(f"tojson indent {arguments['indent']}")
    elif name == "urlize" and _length(arguments["target"]) + _length(arguments["rel"]) > 1000:
        raise too_big("urlize target")


_CHECKED_FILTERS = frozenset({
    "center", "indent", "format", "replace", "join", "wordwrap", "batch", "slice", "tojson", "urlize", "sum",
})


def guard_filter(name: str, original: Callable[..., Any], check_deadline: Callable[[], None]) -> Callable:
    """`original` with the deadline, its argument checks and a size check of its result."""
    passes_context = getattr(original, "jinja_pass_arg", None) is not None
    structural = name in _STRUCTURAL_FILTERS
    inner = inspect.unwrap(original)  # jinja's sync/async dispatchers wrap the real filter
    signature = inspect.signature(inner) if name in _CHECKED_FILTERS else None
    # A dispatcher takes the eval context its inner filter does not: leave it out when binding.
    head = 1 if passes_context and getattr(inner, "jinja_pass_arg", None) is None else 0

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check_deadline()
        if not structural:  # texts are there already; what would be written out must fit
            for value in (*(args[1:] if passes_context else args), *kwargs.values()):
                check_fits(value, f"{name} arguments")
        if signature is None:
            return check_result(original(*args, **kwargs), name)
        bound = signature.bind(*args[head:], **kwargs)
        bound.apply_defaults()
        _filter_checks(name, bound.arguments)
        if name == "sum" and not isinstance(bound.arguments["start"], int | float):
            return _checked_sum(bound.arguments, check_deadline)
        return check_result(original(*args[:head], *bound.args, **bound.kwargs), name)

    return guarded


def _checked_sum(arguments: dict[str, Any], check_deadline: Callable[[], None]) -> Any:
    """`sum` of lists or texts: step by step, within the deadline and the size limit."""
    items = arguments["iterable"]
    if arguments["attribute"] is not None:
        items = map(make_attrgetter(arguments["environment"], arguments["attribute"]), items)
    total = arguments["start"]
    for item in items:
        check_deadline()
        check_binop("+", total, item)
        total = total + item
    return total


def guard_lipsum(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
        if isinstance(n, int) and isinstance(max, int) and n * max * 12 > MAX_VALUE_CHARS:
            raise too_big(f"lipsum({n})")
        return original(n, html, min, max)

    return lipsum


def concat(*parts: Any) -> str:
    """`a ~ b ~ c`, once the parts fit in one value when written out."""
    total = 0
    for part in parts:
        total += len(part) if isinstance(part, str) else value_size(part)
        if total > MAX_VALUE_CHARS:
            raise too_big("~")
    return "".join(map(str, parts))
