"""Template references (`{{Label.path}}`, `{{@id:Label.path}}`, `{{Trigger.x}}`): found in text,
rewritten into jinja variables, and resolved against the outputs of earlier nodes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wayvo_app.core.errors import TemplateError

TRIGGER_ALIAS = "Trigger"

_BLOCK = re.compile(r"\{\{(?P<expr>.*?)\}\}|\{%(?P<stmt>.*?)%\}|\{#.*?#\}", re.S)
_EXPRESSION_BLOCK = re.compile(r"\{\{(.*?)\}\}", re.S)
# A plain label starts with a letter or "_" and may hold spaces and most punctuation, but not what
# jinja expressions are made of (quotes, brackets, operators); other labels need the @id: form.
_REFERENCE = re.compile(
    r"""\s*
    (?: @(?P<node_id>[\w-]+):(?P<stored_label>[^.\[\]|{}]+?)
      | (?P<label>[^\W\d][^.\[\]|{}()'"+*/%<>=!~,:]*?) )
    (?P<path>(?:\.[^.\[\]\s|{}]+|\[\d+\])*)
    \s*(?P<filters>\|.*)?""",
    re.S | re.X,
)
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_LOCAL_BINDING = re.compile(
    r"\{%[-+]?\s*(?:for\s+(?P<targets>[\w\s,]+?)\s+in\b|(?:set|with)\s+(?P<name>\w+))"
)
_JINJA_NAMES = frozenset({"true", "false", "none", "True", "False", "None", "loop", "range", "namespace"})


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
    """What templates can see: outputs by node id (a node without one has not run), labels to ids."""

    outputs: Mapping[str, Any]
    labels: Mapping[str, str]
    trigger_id: str


@dataclass(frozen=True)
class JinjaSource:
    """Jinja source in which references[i] became the variable `variable_name(i)`."""

    source: str
    references: tuple[Reference, ...]


def variable_name(index: int) -> str:
    return f"__r{index}"


def parse_block(inner: str, local_names: frozenset[str] = frozenset()) -> tuple[Reference, str] | None:
    """The reference and filter text of the inside of one `{{ }}`, or None if it is other jinja."""
    match = _REFERENCE.fullmatch(inner)
    if match is None:
        return None
    label = (match["stored_label"] or match["label"]).strip()
    if match["label"] is not None and _is_jinja_name(label, local_names):
        return None
    path = tuple(_segment(name, index) for name, index in _SEGMENT.findall(match["path"]))
    raw = inner[: match.start("filters")] if match["filters"] else inner
    reference = Reference(node_id=match["node_id"], label=label, path=path, raw=raw.strip())
    return reference, match["filters"] or ""


def _is_jinja_name(label: str, local_names: frozenset[str]) -> bool:
    first_word = label.split(" ", 1)[0]
    return label in _JINJA_NAMES or label in local_names or first_word == "not"


def _segment(name: str, index: str) -> str | int:
    text = index or name
    return int(text) if text.isdecimal() else text


def find_references(text: str) -> list[Reference]:
    """Every reference in `text`, in `{{ }}` blocks and inside `{% %}` statements."""
    return list(_Rewriter(text).rewrite().references)


def single_reference(text: str) -> Reference | None:
    """The reference when `text` is exactly one `{{reference}}` without filters, else None."""
    match = _BLOCK.fullmatch(text.strip())
    if match is None or match["expr"] is None or "{{" in match["expr"] or "}}" in match["expr"]:
        return None
    parsed = parse_block(match["expr"], _local_names(text))
    if parsed is None or parsed[1]:
        return None
    return parsed[0]


def to_jinja(text: str, *, expression: bool = False) -> JinjaSource:
    """`text` as a jinja template (or, with `expression`, a jinja expression) over reference variables."""
    return _Rewriter(text).rewrite(expression=expression)


def _local_names(text: str) -> frozenset[str]:
    names: set[str] = set()
    for match in _LOCAL_BINDING.finditer(text):
        targets = match["targets"] or match["name"]
        names.update(name.strip() for name in targets.split(",") if name.strip())
    return frozenset(names)


class _Rewriter:
    """Replaces each reference by a numbered variable, recording the references in order."""

    def __init__(self, text: str):
        self.text = text
        self.local_names = _local_names(text)
        self.references: list[Reference] = []

    def rewrite(self, *, expression: bool = False) -> JinjaSource:
        source = self._expression_text(self.text) if expression else _BLOCK.sub(self._block, self.text)
        return JinjaSource(source=source, references=tuple(self.references))

    def _block(self, match: re.Match) -> str:
        if match["expr"] is not None:
            lead, inner, trail = _whitespace_markers(match["expr"])
            return "{{" + lead + self._variable(inner, parenthesize=False) + trail + "}}"
        if match["stmt"] is not None:
            return "{%" + self._expression_text(match["stmt"]) + "%}"
        return match[0]

    def _expression_text(self, text: str) -> str:
        return _EXPRESSION_BLOCK.sub(lambda m: self._variable(m[1], parenthesize=True), text)

    def _variable(self, inner: str, *, parenthesize: bool) -> str:
        parsed = parse_block(inner, self.local_names)
        if parsed is None:
            return f"({inner})" if parenthesize else inner
        reference, filters = parsed
        name = variable_name(len(self.references))
        self.references.append(reference)
        text = f" {name} {filters} " if filters else f" {name} "
        return f"({text})" if parenthesize else text


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
