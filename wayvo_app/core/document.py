"""Edits of a workflow document as the builder makes them: add, connect, move, remove, duplicate,
set config, rename (rewriting references). Pure functions: each returns a new document.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from wayvo_app.core.graph import parse_document
from wayvo_app.core.specs import NodeSpec

NODE_GAP_Y = 150
DUPLICATE_OFFSET = 40


class EditError(ValueError):
    """An edit the builder refuses (a loop, an edge into the trigger, deleting the trigger)."""


def empty_document(name: str = "Untitled workflow") -> dict[str, Any]:
    """A new workflow: just a Manual trigger."""
    trigger = {"id": "trigger", "type": "trigger", "position": {"x": 0, "y": 0},
               "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"},
                        "enabled": True}}
    return {"name": name, "description": "", "nodes": [trigger], "edges": []}


def _node(doc: Mapping[str, Any], node_id: str) -> dict[str, Any]:
    for node in doc.get("nodes", []):
        if node.get("id") == node_id:
            return node
    raise EditError(f'Workflow has no node "{node_id}"')


def _is_trigger(node: Mapping[str, Any]) -> bool:
    return "trigger" in (node.get("type"), (node.get("data") or {}).get("type"))


def labels(doc: Mapping[str, Any]) -> set[str]:
    return {str((n.get("data") or {}).get("label") or "") for n in doc.get("nodes", [])}


def unique_label(doc: Mapping[str, Any], base: str) -> str:
    taken = labels(doc)
    if base not in taken and base != "Trigger":
        return base
    number = 2
    while f"{base} {number}" in taken:
        number += 1
    return f"{base} {number}"


def new_id(doc: Mapping[str, Any], prefix: str = "n") -> str:
    taken = {n.get("id") for n in doc.get("nodes", [])} | {e.get("id") for e in doc.get("edges", [])}
    while True:
        candidate = f"{prefix}{uuid.uuid4().hex[:8]}"
        if candidate not in taken:
            return candidate


def default_config(spec: NodeSpec) -> dict[str, Any]:
    config: dict[str, Any] = {} if spec.kind == "trigger" else {"actionType": spec.action_type}
    for config_field in spec.config_fields:
        if config_field.default is not None:
            config[config_field.key] = config_field.default
    return config


def _below(doc: Mapping[str, Any], after: str | None) -> dict[str, float]:
    """Where a node added after `after` goes: under it, beside the siblings already there."""
    if after is None:
        bottom = max((float(n["position"].get("y", 0)) for n in doc.get("nodes", [])), default=-NODE_GAP_Y)
        return {"x": 0.0, "y": bottom + NODE_GAP_Y}
    source = _node(doc, after)
    siblings = [e["target"] for e in doc.get("edges", []) if e.get("source") == after]
    x = float(source["position"].get("x", 0)) + 240.0 * len(siblings)
    return {"x": x, "y": float(source["position"].get("y", 0)) + NODE_GAP_Y}


def free_handle(doc: Mapping[str, Any], spec: NodeSpec | None, source: str) -> str | None:
    """The first branch handle of `source` with no edge yet (None: the default edge)."""
    if spec is None or not spec.handles:
        return None
    used = {e.get("sourceHandle") for e in doc.get("edges", []) if e.get("source") == source}
    return next((h for h in spec.handles if h not in used), spec.handles[0])


def add_node(doc: Mapping[str, Any], spec: NodeSpec, *, position: Mapping[str, float] | None = None,
             after: str | None = None, after_spec: NodeSpec | None = None) -> tuple[dict[str, Any], str]:
    """A node of type `spec` (at `position`, or below `after` and connected to it); returns its id."""
    if spec.kind == "trigger":
        raise EditError("A workflow has exactly one trigger")
    out = copy.deepcopy(dict(doc))
    node_id = new_id(out)
    pos = dict(position) if position is not None else _below(out, after)
    node = {"id": node_id, "type": "action", "position": {"x": float(pos["x"]), "y": float(pos["y"])},
            "data": {"label": unique_label(out, spec.label), "type": "action", "config": default_config(spec),
                     "enabled": True}}
    out["nodes"] = [*out.get("nodes", []), node]
    if after is not None:
        out = connect(out, after, node_id, free_handle(out, after_spec, after))
    return out, node_id


def _reaches(doc: Mapping[str, Any], start: str, goal: str) -> bool:
    pending, seen = [start], set()
    while pending:
        current = pending.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            pending.extend(e["target"] for e in doc.get("edges", []) if e.get("source") == current)
    return False


def connect(doc: Mapping[str, Any], source: str, target: str, source_handle: str | None = None) -> dict[str, Any]:
    """An edge from `source` (leaving by `source_handle`) to `target`; refuses loops and duplicates."""
    source_node, target_node = _node(doc, source), _node(doc, target)
    if source == target:
        raise EditError("A node cannot be connected to itself")
    if _is_trigger(target_node):
        raise EditError("The trigger cannot have incoming connections")
    handle = source_handle or None
    for edge in doc.get("edges", []):
        if edge.get("source") == source and edge.get("target") == target and \
                (edge.get("sourceHandle") or None) == handle:
            raise EditError("These nodes are already connected this way")
    if _reaches(doc, target, source):
        raise EditError(f'Connecting "{_label(source_node)}" to "{_label(target_node)}" would make a loop')
    out = copy.deepcopy(dict(doc))
    edge = {"id": new_id(out, "e"), "source": source, "target": target}
    if handle:
        edge["sourceHandle"] = handle
    out["edges"] = [*out.get("edges", []), edge]
    return out


def _label(node: Mapping[str, Any]) -> str:
    return str((node.get("data") or {}).get("label") or node.get("id"))


def move(doc: Mapping[str, Any], positions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """New positions by node id (unknown ids are ignored)."""
    out = copy.deepcopy(dict(doc))
    for node in out.get("nodes", []):
        pos = positions.get(node["id"])
        if pos is not None:
            node["position"] = {"x": round(float(pos.get("x", 0)), 1), "y": round(float(pos.get("y", 0)), 1)}
    return out


def remove(doc: Mapping[str, Any], node_ids: Iterable[str] = (), edge_ids: Iterable[str] = ()) -> dict[str, Any]:
    """Removes nodes (never the trigger) with their edges, and edges."""
    out = copy.deepcopy(dict(doc))
    gone = {n["id"] for n in out.get("nodes", []) if n["id"] in set(node_ids) and not _is_trigger(n)}
    edges = set(edge_ids)
    out["nodes"] = [n for n in out.get("nodes", []) if n["id"] not in gone]
    out["edges"] = [e for e in out.get("edges", [])
                    if e.get("id") not in edges and e.get("source") not in gone and e.get("target") not in gone]
    return out


def duplicate(doc: Mapping[str, Any], node_ids: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """Copies of the nodes (not the trigger) and of the edges between them; returns the new ids."""
    out = copy.deepcopy(dict(doc))
    mapping: dict[str, str] = {}
    wanted = set(node_ids)
    for node in [n for n in doc.get("nodes", []) if n["id"] in wanted and not _is_trigger(n)]:
        copy_node = copy.deepcopy(node)
        copy_node["id"] = mapping[node["id"]] = new_id(out)
        copy_node["data"]["label"] = unique_label(out, _label(node))
        copy_node["position"] = {"x": float(node["position"].get("x", 0)) + DUPLICATE_OFFSET,
                                 "y": float(node["position"].get("y", 0)) + DUPLICATE_OFFSET}
        copy_node.pop("selected", None)
        out["nodes"].append(copy_node)
    for edge in doc.get("edges", []):
        if edge.get("source") in mapping and edge.get("target") in mapping:
            out["edges"].append({**edge, "id": new_id(out, "e"), "source": mapping[edge["source"]],
                                 "target": mapping[edge["target"]]})
    return out, list(mapping.values())


def set_config(doc: Mapping[str, Any], node_id: str, key: str, value: Any) -> dict[str, Any]:
    """One config value (None or "" removes the key)."""
    out = copy.deepcopy(dict(doc))
    config = _node(out, node_id).setdefault("data", {}).setdefault("config", {})
    if value is None or value == "":
        config.pop(key, None)
    else:
        config[key] = value
    return out


def set_retry(doc: Mapping[str, Any], node_id: str, key: str, value: Any) -> dict[str, Any]:
    """One retry setting (maxAttempts, initialDelay, backoff, maxDelay); an empty retry is dropped."""
    out = copy.deepcopy(dict(doc))
    config = _node(out, node_id).setdefault("data", {}).setdefault("config", {})
    retry = dict(config.get("retry") or {})
    if value in (None, ""):
        retry.pop(key, None)
    else:
        retry[key] = value
    if retry:
        config["retry"] = retry
    else:
        config.pop("retry", None)
    return out


def set_node(doc: Mapping[str, Any], node_id: str, **props: Any) -> dict[str, Any]:
    """Label (references to it are rewritten), description or enabled of a node."""
    out = copy.deepcopy(dict(doc))
    data = _node(out, node_id).setdefault("data", {})
    if "label" in props:
        old, new = str(data.get("label") or ""), str(props["label"])
        data["label"] = new
        if old and new.strip() and old != new:
            out = rename_references(out, node_id, old, new)
            data = _node(out, node_id)["data"]
    if "description" in props:
        data["description"] = str(props["description"] or "")
    if "enabled" in props:
        data["enabled"] = bool(props["enabled"])
    return out


def _reference_pattern(node_id: str, old: str) -> re.Pattern:
    # `{{Old.`, `{{ Old }}`, `{{@id:Old.`, and the same inside `{% %}` statements.
    return re.compile(r"(?P<lead>\{\{-?\s*|\{%[^%]*?\b)(?P<id>@" + re.escape(node_id) + r":)?" + re.escape(old)
                      + r"(?=\s*(?:[.\[|]|-?\}\}))")


def rename_references(doc: Mapping[str, Any], node_id: str, old: str, new: str) -> dict[str, Any]:
    """Rewrites `{{Old Label.x}}` (and `{{@id:Old Label.x}}`) to the new label in every node's config.
    `{{Trigger.x}}` stays: it always means the trigger."""
    if old == "Trigger" and _is_trigger(_node(doc, node_id)):
        return copy.deepcopy(dict(doc))
    pattern = _reference_pattern(node_id, old)

    def rewrite(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(lambda m: f"{m['lead']}{m['id'] or ''}{new}", value) if old in value else value
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    out = copy.deepcopy(dict(doc))
    for node in out.get("nodes", []):
        data = node.get("data") or {}
        if isinstance(data.get("config"), dict):
            data["config"] = rewrite(data["config"])
    return out


def normalized(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document as the engine writes it (raises DocumentValidationError on structural garbage)."""
    graph = parse_document(doc)
    out = graph.to_document()
    out["name"] = str(doc.get("name") or "Untitled workflow")
    out["description"] = str(doc.get("description") or "")
    return out
