"""References in the builder: what a node's template fields can refer to (upstream nodes, their
output fields and the last execution's real output), references shown as chips, a sample input.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from wayvo_app.components.builder.step_view import plain
from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.specs import Registry
from wayvo_app.core.template_refs import TRIGGER_ALIAS, find_references, parse_block, resolve_node

MAX_DEPTH = 3
MAX_ITEMS = 40
SAMPLE_LENGTH = 40


def reference_text(label: str, node_id: str, path: str) -> str:
    """`{{Label.path}}`, or the stored form `{{@id:Label.path}}` when the label would not parse."""
    text = f"{label}.{path}" if path else label
    parsed = parse_block(text)
    if parsed is not None and parsed[0].label == label and not parsed[1] and parsed[0].node_id is None:
        return "{{" + text + "}}"
    return "{{@" + node_id + ":" + text + "}}"


def _sample(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(plain(value), default=str)
    return text if len(text) <= SAMPLE_LENGTH else text[: SAMPLE_LENGTH - 1] + "…"


def _walk(value: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    """Paths into a real output: keys (and the first item of lists), `MAX_DEPTH` levels deep."""
    if depth >= MAX_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            key = str(key)
            if not key or any(c in key for c in " .[]{}|"):
                continue
            path = f"{prefix}.{key}" if prefix else key
            yield path, item
            yield from _walk(item, path, depth + 1)
    elif isinstance(value, list) and value:
        path = f"{prefix}.0" if prefix else "0"
        yield path, value[0]
        yield from _walk(value[0], path, depth + 1)


def _schema_fields(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    raw = config.get("inputSchema")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            raw = {}
    props = raw.get("properties") if isinstance(raw, Mapping) else None
    if not isinstance(props, Mapping):
        return []
    return [(str(name), str((spec or {}).get("description") or (spec or {}).get("type") or ""))
            for name, spec in props.items() if isinstance(spec, Mapping)]


def trigger_paths(graph: WorkflowGraph) -> list[str]:
    """The trigger input fields the workflow uses: `{{Trigger.x}}` references (first segment)."""
    trigger = graph.trigger()
    found: dict[str, None] = {}
    labels = {node.label: node.id for node in graph.nodes}
    for node in graph.nodes:
        for text in _strings(node.config):
            for ref in find_references(text):
                if trigger and ref.path and resolve_node(ref, labels, trigger.id) == trigger.id:
                    found[str(ref.path[0])] = None
    return list(found)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


_NO_SAMPLE = object()  # a field with no value from a run (a real null shows as JSON null)


def _add(items: dict[str, dict[str, Any]], label: str, node_id: str, path: str, description: str = "",
         sample: Any = _NO_SAMPLE) -> None:
    if path not in items and len(items) < MAX_ITEMS:
        items[path] = {"path": path, "description": description,
                       "sample": "" if sample is _NO_SAMPLE else _sample(sample),
                       "insert": reference_text(label, node_id, path)}
    elif path in items and sample is not _NO_SAMPLE and not items[path]["sample"]:
        items[path]["sample"] = _sample(sample)


SOURCE_NOTES = {"run": "from the last run", "test": "from a test of this step", "pin": "from the pinned sample"}


def reference_candidates(graph: WorkflowGraph, node_id: str, registry: Registry,
                         last_outputs: Mapping[str, Any] | None = None,
                         sources: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Groups (trigger first, then upstream nodes in run order) of insertable references; fields
    and values of the step data (`last_outputs`, each from the `sources` run | test | pin) first."""
    last_outputs, sources = last_outputs or {}, sources or {}
    upstream = graph.upstream(node_id)
    groups = []
    for node in graph.topological_order() if graph.find_cycle() is None else graph.nodes:
        if node.id == node_id or not (node.is_trigger or node.id in upstream):
            continue
        label = TRIGGER_ALIAS if node.is_trigger else node.label
        items: dict[str, dict[str, Any]] = {}
        note = SOURCE_NOTES.get(sources.get(node.id, "run"), "from the last run")
        for path, value in _walk(last_outputs.get(node.id)):
            _add(items, label, node.id, path, note, value)
        if node.is_trigger:
            for name, description in _schema_fields(node.config):
                _add(items, label, node.id, name, description)
            for name in trigger_paths(graph):
                _add(items, label, node.id, name, "used in this workflow")
        else:
            spec = registry.get(node.action_type)
            for output in spec.output_fields if spec else ():
                _add(items, label, node.id, output.field, output.description)
        groups.append({"nodeId": node.id, "label": label, "whole": reference_text(label, node.id, ""),
                       "items": list(items.values()), "note": note if node.id in last_outputs else ""})
    return groups


def chips(graph: WorkflowGraph, node_id: str, text: Any, placeholders: tuple[str, ...] = ()) -> list[dict]:
    """The references in a field's text, each with whether it points at an upstream node."""
    if not isinstance(text, str) or "{{" not in text and "{%" not in text:
        return []
    trigger = graph.trigger()
    labels: dict[str, str] = {}
    for node in graph.nodes:
        labels.setdefault(node.label, node.id)
    upstream = graph.upstream(node_id)
    out = []
    for ref in find_references(text):
        if not ref.path and ref.label in placeholders:
            out.append({"text": ref.label, "ok": True, "title": "filled in by this node"})
            continue
        target = resolve_node(ref, labels, trigger.id if trigger else None)
        shown = " › ".join([ref.label, *(str(p) for p in ref.path)])
        if target is None:
            out.append({"text": shown, "ok": False, "title": f'no node is labelled "{ref.label}"'})
        elif target != (trigger.id if trigger else None) and target not in upstream:
            out.append({"text": shown, "ok": False, "title": f'"{ref.label}" is not upstream of this node'})
        else:
            out.append({"text": shown, "ok": True, "title": "{{" + ref.raw + "}}"})
    return out


def sample_input(graph: WorkflowGraph) -> dict[str, Any]:
    """A starting input for a test run: the schema's fields, else the trigger fields referenced."""
    trigger = graph.trigger()
    if trigger is None:
        return {}
    defaults = {"number": 0, "integer": 0, "boolean": False, "array": [], "object": {}}
    raw = trigger.config.get("inputSchema")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw) if raw.strip() else None
        except json.JSONDecodeError:
            raw = None
    props = raw.get("properties") if isinstance(raw, Mapping) else None
    if isinstance(props, Mapping) and props:
        return {str(k): defaults.get(str((v or {}).get("type")), "") for k, v in props.items()}
    return dict.fromkeys(trigger_paths(graph), "")
