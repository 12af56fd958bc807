"""The process-wide node registry. The composition root (the app, the `wayvo` command, an
embedding application) says where it comes from; the engine never imports plugins itself."""

from __future__ import annotations

from collections.abc import Callable

from wayvo_app.core.errors import ConfigurationError
from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.core.specs import Registry

_pinned: Registry | None = None
_source: Callable[[], Registry] | None = None


def get_registry() -> Registry:
    if _pinned is not None:
        return _pinned
    if _source is None:
        raise ConfigurationError("The node registry is not set: call set_registry_source(node_registry) "
                                 "(wayvo_app.plugins.client_plugins) when the process starts")
    return _source()


def has_registry() -> bool:
    """Whether this process said where its registry comes from."""
    return _pinned is not None or _source is not None


def set_registry_source(source: Callable[[], Registry] | None) -> None:
    """Where the registry comes from, asked on each use (it follows the current settings)."""
    global _source
    _source = source


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
    """Pin one registry (tests, embedding applications); None unpins it."""
    global _pinned
    _pinned = registry
