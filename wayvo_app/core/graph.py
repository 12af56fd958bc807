"""Workflow documents as frozen values: nodes, edges and the graph they form (contract §3).
`parse_document` reads the React Flow JSON; `validate` (validation.py) lists every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from wayvo_app.core.errors import DocumentValidationError, Problem

__all__ = ["Edge", "Node", "WorkflowGraph", "parse_document"]

TRIGGER = "trigger"


@dataclass(frozen=True)
class Node:
    """One React Flow node: the trigger or an action, with its config as the builder stored it."""

    id: str
    label: str
    type: str  # "trigger" or "action"
    action_type: str  # "trigger" for the trigger node, else config["actionType"]
    config: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    position: dict[str, Any] = field(default_factory=lambda: {"x": 0, "y": 0})
    description: str = ""

    @property
    def is_trigger(self) -> bool:
        return self.type == TRIGGER

    def to_document(self) -> dict[str, Any]:
        config = dict(self.config)
        if not self.is_trigger and self.action_type:
            config["actionType"] = self.action_type
        data = {"label": self.label, "type": self.type, "config": config, "enabled": self.enabled}
        if self.description:
            data["description"] = self.description
        return {"id": self.id, "type": self.type, "position": dict(self.position), "data": data}


@dataclass(frozen=True)
class Edge:
    """A connection; `source_handle` names the branch it leaves by (None: the default edge)."""

    id: str
    source: str
    target: str
    source_handle: str | None = None

    def to_document(self) -> dict[str, Any]:
        document = {"id": self.id, "source": self.source, "target": self.target}
        if self.source_handle is not None:
            document["sourceHandle"] = self.source_handle
        return document


@dataclass(frozen=True)
class WorkflowGraph:
    """A workflow document's nodes and edges, in document order, with the queries the engine needs."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...] = ()
    name: str = ""
    description: str = ""

    @cached_property
    def _nodes_by_id(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}

    @cached_property
    def _sources(self) -> dict[str, tuple[str, ...]]:
        """Distinct source ids per node id, ignoring edges to or from unknown nodes."""
        return self._neighbours(lambda edge: (edge.target, edge.source))

    @cached_property
    def _targets(self) -> dict[str, tuple[str, ...]]:
        return self._neighbours(lambda edge: (edge.source, edge.target))

    def _neighbours(self, ends: Callable[[Edge], tuple[str, str]]) -> dict[str, tuple[str, ...]]:
        found: dict[str, dict[str, None]] = {node.id: {} for node in self.nodes}
        for edge in self.edges:
            node_id, neighbour = ends(edge)
            if node_id in found and neighbour in found:
                found[node_id][neighbour] = None
        return {node_id: tuple(neighbours) for node_id, neighbours in found.items()}

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError if there is none)."""
        try:
            return self._nodes_by_id[node_id]
        except KeyError:
            raise KeyError(f"Workflow has no node {node_id!r}") from None

    def trigger(self) -> Node | None:
        """The trigger node (the first, if a document that failed validation has several)."""
        return next((node for node in self.nodes if node.is_trigger), None)

    def by_label(self, label: str) -> Node | None:
        return next((node for node in self.nodes if node.label == label), None)

    def outgoing(self, node_id: str) -> tuple[Edge, ...]:
        return tuple(edge for edge in self.edges if edge.source == node_id)

    def incoming(self, node_id: str) -> tuple[Edge, ...]:
        return tuple(edge for edge in self.edges if edge.target == node_id)

    def upstream(self, node_id: str) -> frozenset[str]:
        """Ids of every node with a path to `node_id` (its ancestors)."""
        seen: set[str] = set()
        pending = list(self._sources.get(node_id, ()))
        while pending:
            current = pending.pop()
            if current not in seen:
                seen.add(current)
                pending.extend(self._sources[current])
        return frozenset(seen)

    def find_cycle(self) -> list[str] | None:
        """The node ids of one cycle, its first id repeated at the end, or None if there is none."""
        state: dict[str, str] = {}  # "open" while on the current path, then "done"
        for start in self._targets:
            if start in state:
                continue
            path, pending = [start], [iter(self._targets[start])]
            state[start] = "open"
            while pending:
                target = next(pending[-1], None)
                if target is None:
                    state[path.pop()] = "done"
                    pending.pop()
                elif state.get(target) == "open":
                    return path[path.index(target) :] + [target]
                elif target not in state:
                    state[target] = "open"
                    path.append(target)
                    pending.append(iter(self._targets[target]))
        return None

    def topological_order(self) -> tuple[Node, ...]:
        """Nodes so that each comes after all its sources; ties keep document order."""
        waiting = {node_id: len(sources) for node_id, sources in self._sources.items()}
        ready = [node for node in self.nodes if waiting[node.id] == 0]
        order: list[Node] = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for target in self._targets[node.id]:
                waiting[target] -= 1
                if waiting[target] == 0:
                    ready.append(self._nodes_by_id[target])
        if len(order) < len(self._nodes_by_id):
            raise ValueError(f"Workflow has a cycle through node {self.find_cycle()[0]!r}")
        return tuple(order)

    def to_document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "nodes": [node.to_document() for node in self.nodes],
            "edges": [edge.to_document() for edge in self.edges],
        }


def parse_document(doc: Mapping[str, Any]) -> WorkflowGraph:
    """A WorkflowGraph from the document's JSON; structural garbage raises DocumentValidationError."""
    if not isinstance(doc, Mapping):
        raise DocumentValidationError([Problem("Workflow document must be a JSON object")])
    problems: list[Problem] = []
    nodes = [_parse_node(raw, index, problems) for index, raw in enumerate(_list(doc, "nodes", problems))]
    edges = [_parse_edge(raw, index, problems) for index, raw in enumerate(_list(doc, "edges", problems))]
    name, description = doc.get("name") or "", doc.get("description") or ""
    if not isinstance(name, str) or not isinstance(description, str):
        problems.append(Problem("Workflow name and description must be strings"))
    if problems:
        raise DocumentValidationError(problems)
    return WorkflowGraph(nodes=tuple(nodes), edges=tuple(edges), name=name, description=description)


def _list(doc: Mapping[str, Any], key: str, problems: list[Problem]) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(f'Workflow "{key}" must be a list, found {type(value).__name__}'))
        return []
    return value


def _parse_node(raw: Any, index: int, problems: list[Problem]) -> Node | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(f"Node #{index + 1} must be an object"))
        return None
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not node_id:
        problems.append(Problem(f"Node #{index + 1} has no id"))
        return None
    data = _mapping(raw, "data", f"Node {node_id}", problems)
    config = _mapping(data, "config", f"Node {node_id}: data", problems)
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.append(Problem(f'Node {node_id}: "enabled" must be true or false', node_id))
    node_type = TRIGGER if TRIGGER in (raw.get("type"), data.get("type")) else "action"
    action_type = TRIGGER if node_type == TRIGGER else config.get("actionType") or ""
    if not isinstance(action_type, str):
        problems.append(Problem(f'Node {node_id}: "actionType" must be a string', node_id, "actionType"))
    label, description = data.get("label") or "", data.get("description") or ""
    if not isinstance(label, str) or not isinstance(description, str):
        problems.append(Problem(f"Node {node_id}: label and description must be strings", node_id))
    position = _mapping(raw, "position", f"Node {node_id}", problems) or {"x": 0, "y": 0}
    return Node(
        id=node_id,
        label=label,
        type=node_type,
        action_type=action_type,
        config=dict(config),
        enabled=enabled is not False,
        position=dict(position),
        description=description,
    )


def _mapping(raw: Mapping[str, Any], key: str, owner: str, problems: list[Problem]) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(Problem(f'{owner}: "{key}" must be an object, found {type(value).__name__}'))
        return {}
    return value


def _parse_edge(raw: Any, index: int, problems: list[Problem]) -> Edge | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(f"Edge #{index + 1} must be an object"))
        return None
    fields = {key: raw.get(key) for key in ("id", "source", "target")}
    missing = [key for key, value in fields.items() if not isinstance(value, str) or not value]
    if missing:
        name = f'"{fields["id"]}"' if isinstance(fields["id"], str) and fields["id"] else f"#{index + 1}"
        problems.append(Problem(f"Edge {name} has no {' or '.join(missing)}"))
        return None
    handle = raw.get("sourceHandle") or None
    if handle is not None and not isinstance(handle, str):
        problems.append(Problem(f'Edge "{fields["id"]}": "sourceHandle" must be a string'))
    return Edge(fields["id"], fields["source"], fields["target"], handle)
