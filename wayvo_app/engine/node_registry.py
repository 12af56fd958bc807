"""The process-wide node registry: built-in nodes plus the configured plugins' actions."""

from __future__ import annotations

from wayvo_app.engine.specs import Registry

_override: Registry | None = None


def get_registry() -> Registry:
    if _override is not None:
        return _override
    try:
        from wayvo_app.plugins.client_plugins import node_registry
    except ImportError:  # plugins not installed in this build: built-ins only
        from wayvo_app.nodes import default_registry

        return default_registry()
    from wayvo_app.settings import get_settings

    return node_registry(get_settings())


def set_registry(registry: Registry | None) -> None:
    """Tests (and embedding applications) may pin the registry explicitly."""
    global _override
    _override = registry
