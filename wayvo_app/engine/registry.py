"""The process-wide node registry: built-in nodes plus the configured plugins' actions."""

from __future__ import annotations

from wayvo_app.core.specs import Registry

_override: Registry | None = None


def get_registry() -> Registry:
    if _override is not None:
        return _override
    from wayvo_app.plugins.client_plugins import node_registry  # imported late: plugins import the engine

    return node_registry()


def set_registry(registry: Registry | None) -> None:
    """Tests (and embedding applications) may pin the registry explicitly."""
    global _override
    _override = registry
