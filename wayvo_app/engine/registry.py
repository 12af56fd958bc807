"""The process-wide node registry: built-in nodes plus the configured plugins' actions."""

from __future__ import annotations

from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.specs import Registry

_override: Registry | None = None


def get_registry() -> Registry:
    if _override is not None:
        return _override
    from wayvo_app.plugins.client_plugins import node_registry  # imported late: plugins import the engine

    return node_registry()


def action_label(action_type: str) -> str:
    """What a step of this type does, in words: a plugin's actionLabel, else the node type's label."""
    spec = get_registry().get(action_type)
    return (spec.step_label or spec.label) if spec is not None else action_type


def step_labels(graph: WorkflowGraph) -> dict[str, str]:
    """Each node's name in logs, the timeline and the viewer: its label, else its action label."""
    return {node.id: node.label.strip() or action_label(node.action_type) for node in graph.nodes}


def action_labels_of(graph: WorkflowGraph) -> dict[str, str]:
    """Each node's action label (shown beside its name, e.g. "Notify Ada · Send SMS")."""
    return {node.id: action_label(node.action_type) for node in graph.nodes}


def set_registry(registry: Registry | None) -> None:
    """Tests (and embedding applications) may pin the registry explicitly."""
    global _override
    _override = registry
