"""Rendering node config templates against upstream outputs: text, JSON fields and conditions.
References become jinja variables bound to their values, so a value is never rendered again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.exceptions import SecurityError

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.limits import get_document_limits
from wayvo_app.core.sandbox import (
    NESTED_TOO_DEEPLY,
    BudgetExceeded,
    evaluate_source,
    render_source,
    syntax_error,
    to_text,
)
from wayvo_app.core.template_refs import (
    NESTED_BLOCK,
    JinjaSource,
    Reference,
    TemplateScope,
    find_references,
    resolve_value,
    single_reference,
    to_jinja,
    variable_name,
)
from wayvo_app.core.template_scan import Block, bare_json_blocks, substitute

__all__ = [
    "Reference",
    "TemplateScope",
    "evaluate_condition",
    "find_references",
    "render",
    "render_json",
    "render_value",
    "syntax_problem",
]

_MARKER = re.compile("\x00(\\d+)\x00")


def render(text: str, scope: TemplateScope, *, node_label: str) -> Any:
    """The raw value when `text` is one plain reference, else the rendered string."""
    if "{{" not in text and "{%" not in text:
        return text
    _check_length(text, node_label)
    reference = single_reference(text)
    if reference is not None:
        return resolve_value(reference, scope, node_label)
    jinja = _checked(to_jinja(text), node_label)
    variables = _bind(jinja.references, scope, node_label)
    return _guarded(node_label, lambda: render_source(jinja.source, variables, scope.budget))


def syntax_problem(text: str) -> str | None:
    """For save-time checks: why `text` is not a valid template, or None."""
    if "{{" not in text and "{%" not in text:
        return None
    if len(text) > max_config_string():
        return too_long(text)
    jinja = to_jinja(text)
    message = jinja.problem or syntax_error(jinja.source)
    return f"template syntax error: {message}" if message else None


def render_value(value: Any, scope: TemplateScope, *, node_label: str) -> Any:
    """Render every string inside dicts and lists (keys are left as they are)."""
    if isinstance(value, str):
        return render(value, scope, node_label=node_label)
    if isinstance(value, Mapping):
        return {key: render_value(item, scope, node_label=node_label) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render_value(item, scope, node_label=node_label) for item in value]
    return value


def render_json(value: Any, scope: TemplateScope, *, node_label: str) -> Any:
    """A JSON-template field: JSON whose strings are templates, or with bare `{{ }}` values."""
    if not isinstance(value, str):
        return render_value(value, scope, node_label=node_label)
    if not value.strip():
        return None
    _check_length(value, node_label)
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        return _render_bare_json(value, scope, node_label)
    return render_value(parsed, scope, node_label=node_label)


def evaluate_condition(expr: str, scope: TemplateScope, *, node_label: str) -> bool:
    """A sandboxed expression over references, e.g. `{{Trigger.amount}} > 100 and not {{Check.ok}}`."""
    if not expr.strip():
        raise TemplateError(f'Node "{node_label}": the condition is empty')
    _check_length(expr, node_label)
    return bool(_evaluate(expr, scope, node_label))


def _evaluate(expr: str, scope: TemplateScope, node_label: str) -> Any:
    jinja = _checked(to_jinja(expr, expression=True), node_label)
    variables = _bind(jinja.references, scope, node_label)
    return _guarded(node_label, lambda: _defined(evaluate_source(jinja.source, variables, scope.budget)))


def max_config_string() -> int:
    return get_document_limits().max_config_string


def too_long(text: str) -> str:
    """Why `text` may not be a config string (one scan of it must stay cheap)."""
    limit = max_config_string()
    return f"the text is {len(text)} characters long; the limit is {limit} (WAYVO_MAX_CONFIG_STRING)"


def _check_length(text: str, node_label: str) -> None:
    if len(text) > max_config_string():
        raise TemplateError(f'Node "{node_label}": {too_long(text)}')


def _checked(jinja: JinjaSource, node_label: str) -> JinjaSource:
    """`jinja`, unless the rewrite found a problem jinja itself would choke on (a nested `{{`)."""
    if jinja.problem:
        raise TemplateError(f'Node "{node_label}": template syntax error: {jinja.problem}')
    return jinja


def _defined(value: Any) -> Any:
    """`value`, checked inside the guard: an expression hands back a StrictUndefined unraised."""
    bool(value)  # raises for an undefined
    return value


def _bind(references: Sequence[Reference], scope: TemplateScope, node_label: str) -> dict[str, Any]:
    return {
        variable_name(index): _lookup(reference, scope, node_label)
        for index, reference in enumerate(references)
    }


def _lookup(reference: Reference, scope: TemplateScope, node_label: str) -> Any:
    """The value, or an undefined that raises our TemplateError when used (so `default` still works)."""
    try:
        return resolve_value(reference, scope, node_label)
    except TemplateError as exc:
        return StrictUndefined(hint=exc.message, exc=TemplateError)


def _guarded(node_label: str, action: Callable[[], Any]) -> Any:
    """Run sandboxed code, turning whatever it raises into a TemplateError naming the node."""
    try:
        return action()
    except TemplateError:
        raise
    except BudgetExceeded as exc:
        raise TemplateError(f'Node "{node_label}": {exc}') from exc
    except TemplateSyntaxError as exc:
        raise TemplateError(f'Node "{node_label}": template syntax error: {exc.message}') from exc
    except RecursionError as exc:
        raise TemplateError(f'Node "{node_label}": template syntax error: {NESTED_TOO_DEEPLY}') from exc
    except SecurityError as exc:
        raise TemplateError(f'Node "{node_label}": not allowed in a template: {exc}') from exc
    except Exception as exc:  # user expressions can raise anything (TypeError, ZeroDivisionError...)
        raise TemplateError(f'Node "{node_label}": template error: {exc}') from exc


def _render_bare_json(text: str, scope: TemplateScope, node_label: str) -> Any:
    found: list[str] = []

    def mark(block: Block) -> str:
        if "{{" in block.inner(text):
            raise TemplateError(f'Node "{node_label}": template syntax error: {NESTED_BLOCK}')
        found.append(text[block.start : block.end])
        return json.dumps(f"\x00{len(found) - 1}\x00")

    try:
        parsed = json.loads(substitute(text, bare_json_blocks(text), mark))
    except RecursionError as exc:
        raise TemplateError(f'Node "{node_label}": field is not valid JSON: it is nested too deeply') from exc
    except json.JSONDecodeError as exc:
        raise TemplateError(f'Node "{node_label}": field is not valid JSON after rendering: {exc}') from exc
    values = [_evaluate(block, scope, node_label) for block in found]
    return _fill(parsed, values, scope, node_label)


def _fill(value: Any, values: list[Any], scope: TemplateScope, node_label: str) -> Any:
    """Put bare block values in place of their markers; render the other strings."""
    if isinstance(value, str):
        marker = _MARKER.fullmatch(value)
        return values[int(marker[1])] if marker else render(value, scope, node_label=node_label)
    if isinstance(value, dict):
        return {_key(key, values): _fill(item, values, scope, node_label) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values, scope, node_label) for item in value]
    return value


def _key(key: str, values: list[Any]) -> str:
    marker = _MARKER.fullmatch(key)
    if marker is None:
        return key
    return to_text(values[int(marker[1])])
