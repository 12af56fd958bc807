"""The app's client plugins, and the node registry: built-in nodes plus every plugin action
(server plugins from the WAYVO_WORKFLOW_PLUGINS setting). Built once per process and settings."""

from __future__ import annotations

from functools import lru_cache

from wayvo_app.core.errors import PluginError
from wayvo_app.core.specs import Registry
from wayvo_app.plugins.examples.sms.client import sms_client_plugin
from wayvo_app.plugins.registry import load_server_plugins, plugin_specs, validate_plugins
from wayvo_app.plugins.types import IntegrationSpec, WorkflowClientPlugin
from wayvo_app.settings import Settings, get_settings

CLIENT_PLUGINS: list[WorkflowClientPlugin] = [sms_client_plugin]

# Used when WAYVO_WORKFLOW_PLUGINS is not set, so the shipped SMS example works out of the box.
DEFAULT_SERVER_PLUGINS = ("wayvo_app.plugins.examples.sms.server:sms_server_plugin",)


def server_plugin_paths(settings: Settings) -> tuple[str, ...]:
    return settings.workflow_plugins or DEFAULT_SERVER_PLUGINS


def integration_specs() -> dict[str, IntegrationSpec]:
    """The integrations users can create credentials for, by type."""
    return {plugin.integration.type: plugin.integration for plugin in CLIENT_PLUGINS}


@lru_cache(maxsize=8)
def _registry(settings: Settings) -> Registry:
    from wayvo_app.nodes import default_registry  # the nodes package imports the engine only

    server_plugins = load_server_plugins(server_plugin_paths(settings))
    specs = plugin_specs(server_plugins, CLIENT_PLUGINS)  # step functions import on first use
    try:
        return default_registry(extra_specs=specs)
    except ValueError as exc:  # a plugin action id that is also a built-in node type
        raise PluginError(f"Workflow plugins: {exc}")


def node_registry(settings: Settings | None = None) -> Registry:
    """Built-in nodes and plugin actions; startup errors (PluginError) name the plugin."""
    return _registry(settings or get_settings())


def check_plugins(settings: Settings | None = None) -> None:
    """Startup check: load every configured plugin and import every step function now."""
    paths = server_plugin_paths(settings or get_settings())
    validate_plugins(load_server_plugins(paths), CLIENT_PLUGINS)


def reset_node_registry() -> None:
    """Forget the cached registries (tests change plugins and settings)."""
    _registry.cache_clear()
