"""Template references (`{{Label.path}}`, `{{@id:Label.path}}`, `{{Trigger.x}}`, and inside
expressions `{{Trigger.n + 1}}`): found in text in linear time, rewritten into jinja variables, and
resolved against the outputs of earlier nodes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wayvo_app.core.errors import TemplateError
from wayvo_app.core.sandbox import RenderBudget
from wayvo_app.core.template_exprs import expression_references
from wayvo_app.core.template_scan import EXPRESSION, STATEMENT, Block, blocks, substitute

TRIGGER_ALIAS = "Trigger"

# A plain label starts with a letter or "_" and may hold spaces and most punctuation, but not what
# jinja expressions are made of (quotes, brackets, operators); other labels need the @id: form.
# Every pattern below is applied with match() at a known position and cannot backtrack far: the
# old single pattern took quadratic time on `{{a` followed by thousands of spaces.
_STORED_HEAD = re.compile(r"@([\w-]+):([^.\[\]|{}]+)")
_PLAIN_LABEL = re.compile(r"""[^\W\d][^.\[\]|{}()'"+*/%<>=!~,:]*""")
_PATH = re.compile(r"(?:\.[^.\[\]\s|{}]+|\[\d+\])*")
_SPACE = re.compile(r"\s*")
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_FOR_TARGETS = re.compile(r"for\s+([\w\s,]*)")
_IN = re.compile(r"(?<!\s)\s+in\b")
_SET_NAMES = re.compile(r"(?:set|with)\s+([\w\s,]*)")
_MACRO_PARAMETERS = re.compile(r"macro\s+\w+\s*\(([^()]*+)\)")  # possessive: no backtracking
_JINJA_NAMES = frozenset({"true", "false", "none", "True", "False", "None", "loop", "range", "namespace"})
NESTED_BLOCK = (
    'a "{{" inside another "{{ }}": inside an expression, write references without braces, '
    "e.g. {{Trigger.amount + 1}}"
)


@dataclass(frozen=True)
class Reference:
    """One reference: the node (by id when written in the stored form, else by label) and a path."""

    node_id: str | None
    label: str
    path: tuple[str | int, ...]
    raw: str

    @property
    def path_text(self) -> str:
        return ".".join(str(segment) for segment in self.path)


@dataclass(frozen=True)
class TemplateScope:
    """What templates can see: outputs by node id (a node without one has not run), labels to ids,
    and the time budget its renders share."""

    outputs: Mapping[str, Any]
    labels: Mapping[str, str]
    trigger_id: str
    # One step renders all its fields with one scope, so they share one time budget.
    budget: RenderBudget = field(default_factory=RenderBudget, compare=False, repr=False)


@dataclass(frozen=True)
class JinjaSource:
    """Jinja source in which references[i] became the variable `variable_name(i)`."""

    source: str
    references: tuple[Reference, ...]
    problem: str | None = None  # why the text cannot be a template, found before jinja parses it


def variable_name(index: int) -> str:
    return f"__r{index}"


def parse_block(inner: str, local_names: frozenset[str] = frozenset()) -> tuple[Reference, str] | None:
    """The reference and filter text of the inside of one `{{ }}` when it is a plain reference
    (`Label.path`, `@id:Label.path`, then `| filters`), or None if it is other jinja."""
    position = _SPACE.match(inner).end()
    stored = _STORED_HEAD.match(inner, position)
    if stored is not None:
        node_id, label, position = stored[1], stored[2], stored.end()
    else:
        plain = _PLAIN_LABEL.match(inner, position)
        if plain is None:
            return None
        node_id, label, position = None, plain[0], plain.end()
    path_end = _PATH.match(inner, position).end()
    filters_at = _SPACE.match(inner, path_end).end()
    if filters_at < len(inner) and inner[filters_at] != "|":
        return None
    label = label.strip()
    if node_id is None and _is_jinja_name(label, local_names):
        return None
    path = _path(inner[position:path_end])
    filters = inner[filters_at:]
    raw = inner[:filters_at] if filters else inner
    return Reference(node_id=node_id, label=label, path=path, raw=raw.strip()), filters


def _is_jinja_name(label: str, local_names: frozenset[str]) -> bool:
    first_word = label.split(" ", 1)[0]
    return label in _JINJA_NAMES or label in local_names or first_word == "not"


def _segment(name: str, index: str) -> str | int:
    text = index or name
    return int(text) if text.isdecimal() else text


def _path(text: str) -> tuple[str | int, ...]:
    if "[" not in text:  # the common `.a.b` form, without a pattern
        return tuple(int(name) if name.isdecimal() else name for name in text[1:].split(".")) if text else ()
    return tuple(_segment(name, index) for name, index in _SEGMENT.findall(text))


def find_references(text: str) -> list[Reference]:
    """Every reference in `text`: in `{{ }}` blocks (alone or inside an expression) and inside
    `{% %}` statements. A block that cannot be read (a nested `{{`) adds none."""
    return list(_Rewriter(text).rewrite().references)


def single_reference(text: str) -> Reference | None:
    """The reference when `text` is exactly one `{{reference}}` without filters, else None."""
    stripped = text.strip()
    if len(stripped) < 4 or not stripped.startswith("{{") or not stripped.endswith("}}"):
        return None
    inner = stripped[2:-2]
    if "{{" in inner or "}}" in inner:
        return None
    parsed = parse_block(inner, _local_names(text))
    if parsed is None or parsed[1]:
        return None
    return parsed[0]


def to_jinja(text: str, *, expression: bool = False) -> JinjaSource:
    """`text` as a jinja template (or, with `expression`, a jinja expression) over reference variables."""
    return _Rewriter(text).rewrite(expression=expression)


def _local_names(text: str) -> frozenset[str]:
    """Names the template binds itself (`{% for a, b in ... %}`, `{% set x %}`, `{% with x %}`,
    macro parameters)."""
    names: set[str] = set()
    for block in blocks(text, STATEMENT):
        statement = block.inner(text).lstrip("-+").lstrip()
        if (targets := _FOR_TARGETS.match(statement)) is not None:
            found_in = _IN.search(targets[1])
            bound = targets[1][: found_in.start()] if found_in else ""
            names.update(name.strip() for name in bound.split(",") if name.strip())
        elif (assigned := _SET_NAMES.match(statement)) is not None:  # `set a, b = ...`, `with x = 1`
            names.update(name.strip() for name in assigned[1].split(",") if name.strip())
        elif (macro := _MACRO_PARAMETERS.match(statement)) is not None:  # `macro row(item, sep=",")`
            parameters = (part.split("=", 1)[0].strip() for part in macro[1].split(","))
            names.update(name for name in parameters if name.isidentifier())
    return frozenset(names)


class _Rewriter:
    """Replaces each reference by a numbered variable, recording the references in order."""

    def __init__(self, text: str):
        self.text = text
        self.local_names = _local_names(text)
        self.references: list[Reference] = []
        self.problem: str | None = None

    def rewrite(self, *, expression: bool = False) -> JinjaSource:
        if expression:
            source = self._expression_text(self.text)
        else:
            source = substitute(self.text, blocks(self.text), self._block)
        return JinjaSource(source=source, references=tuple(self.references), problem=self.problem)

    def _block(self, block: Block) -> str:
        inner = block.inner(self.text)
        if block.kind == EXPRESSION:
            lead, inner, trail = _whitespace_markers(inner)
            return "{{" + lead + self._variable(inner, parenthesize=False) + trail + "}}"
        if block.kind == STATEMENT:
            return "{%" + self._expression_text(inner) + "%}"
        return self.text[block.start : block.end]

    def _expression_text(self, text: str) -> str:
        return substitute(text, blocks(text, EXPRESSION),
                          lambda block: self._variable(block.inner(text), parenthesize=True))

    def _variable(self, inner: str, *, parenthesize: bool) -> str:
        if "{{" in inner:
            self.problem = self.problem or NESTED_BLOCK
            return f"({inner})" if parenthesize else inner
        parsed = parse_block(inner, self.local_names)
        if parsed is None:
            inner = self._expression(inner)
            return f"({inner})" if parenthesize else inner
        reference, filters = parsed
        name = self._bind(reference)
        filters = self._expression(filters)  # `| default(Order.id)`: references in filter arguments
        text = f" {name} {filters} " if filters else f" {name} "
        return f"({text})" if parenthesize else text

    def _expression(self, inner: str) -> str:
        """Jinja expression text with each reference inside it replaced by its variable."""
        found = expression_references(inner, self.local_names, TRIGGER_ALIAS)
        if not found:
            return inner
        parts, position = [], 0
        for start, end, node_id, label, path_text in found:
            path = _path(path_text)
            raw = inner[start:end].strip()
            parts.append(inner[position:start])
            parts.append(self._bind(Reference(node_id=node_id, label=label, path=path, raw=raw)))
            position = end
        parts.append(inner[position:])
        return "".join(parts)

    def _bind(self, reference: Reference) -> str:
        self.references.append(reference)
        return variable_name(len(self.references) - 1)


def _whitespace_markers(inner: str) -> tuple[str, str, str]:
    """Split jinja's whitespace control (`{{- x -}}`) off the expression."""
    lead = inner[0] if inner[:1] in ("-", "+") else ""
    trail = inner[-1] if len(inner) > len(lead) and inner[-1:] in ("-", "+") else ""
    return lead, inner[len(lead) : len(inner) - len(trail)], trail


def resolve_node(reference: Reference, labels: Mapping[str, str], trigger_id: str | None) -> str | None:
    """The id of the node a reference points to: the stored id if it exists, else by label."""
    if reference.node_id is not None and (
        reference.node_id == trigger_id or reference.node_id in labels.values()
    ):
        return reference.node_id
    if reference.label == TRIGGER_ALIAS and trigger_id:
        return trigger_id
    return labels.get(reference.label)


def resolve_value(reference: Reference, scope: TemplateScope, node_label: str) -> Any:
    """The referenced value: keys first, then list indexes; never Python attributes."""
    where = f'Node "{node_label}": {{{{{reference.raw}}}}}'
    node_id = resolve_node(reference, scope.labels, scope.trigger_id)
    if node_id is None:
        raise TemplateError(f'{where}: there is no node "{reference.label}"')
    if node_id not in scope.outputs:
        raise TemplateError(f'{where}: "{reference.label}" has not run')
    value = scope.outputs[node_id]
    for segment in reference.path:
        found, value = _step(value, segment)
        if not found:
            raise TemplateError(f'{where}: "{reference.label}" has no value at "{reference.path_text}"')
    return value


def _step(value: Any, segment: str | int) -> tuple[bool, Any]:
    if isinstance(value, Mapping):
        for key in (segment, str(segment)):
            if key in value:
                return True, value[key]
        return False, None
    if isinstance(value, list | tuple) and isinstance(segment, int) and segment < len(value):
        return True, value[segment]
    return False, None
