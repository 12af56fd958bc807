"""The app's plugins and the node registry: built-in nodes plus every plugin action. Plugins come
from configuration: WAYVO_WORKFLOW_PLUGINS (server halves) and WAYVO_CLIENT_PLUGINS (client halves)
add to the built-in lists below. Built once per process and settings."""

from __future__ import annotations

from functools import lru_cache

from wayvo_app.core.errors import PluginError
from wayvo_app.core.specs import Registry
from wayvo_app.plugins.registry import (
    load_client_plugins,
    load_server_plugins,
    plugin_specs,
    validate_plugins,
)
from wayvo_app.plugins.types import IntegrationSpec, WorkflowClientPlugin, WorkflowServerPlugin
from wayvo_app.settings import Settings, get_settings

# Plugins every installation has, whatever the settings (none today: the SMS example is opt-in).
CLIENT_PLUGINS: list[WorkflowClientPlugin] = []
SERVER_PLUGINS: list[WorkflowServerPlugin] = []

# The shipped example, off by default: list both paths to turn it on (see docs/plugins.md).
EXAMPLE_SERVER_PLUGIN = "wayvo_app.plugins.examples.sms.server:sms_server_plugin"
EXAMPLE_CLIENT_PLUGIN = "wayvo_app.plugins.examples.sms.client:sms_client_plugin"


def server_plugin_paths(settings: Settings) -> tuple[str, ...]:
    return tuple(dict.fromkeys(settings.workflow_plugins))  # a path listed twice loads once


def client_plugin_paths(settings: Settings) -> tuple[str, ...]:
    return tuple(dict.fromkeys(settings.client_plugins))


@lru_cache(maxsize=8)
def _plugins(settings: Settings) -> tuple[list[WorkflowServerPlugin], list[WorkflowClientPlugin]]:
    servers = [*SERVER_PLUGINS, *load_server_plugins(server_plugin_paths(settings))]
    clients = [*CLIENT_PLUGINS, *load_client_plugins(client_plugin_paths(settings))]
    return servers, clients


def client_plugins(settings: Settings | None = None) -> list[WorkflowClientPlugin]:
    """The built-in client plugins, then the configured ones."""
    return list(_plugins(settings or get_settings())[1])


def integration_specs(settings: Settings | None = None) -> dict[str, IntegrationSpec]:
    """The integrations users can create credentials for, by type."""
    return {plugin.integration.type: plugin.integration for plugin in client_plugins(settings)}


@lru_cache(maxsize=8)
def _registry(settings: Settings) -> Registry:
    from wayvo_app.nodes import default_registry  # the nodes package imports the engine only

    servers, clients = _plugins(settings)
    specs = plugin_specs(servers, clients)  # step functions import on first use
    try:
        return default_registry(extra_specs=specs)
    except ValueError as exc:  # a plugin action id that is also a built-in node type
        raise PluginError(f"Workflow plugins: {exc}")


def node_registry(settings: Settings | None = None) -> Registry:
    """Built-in nodes and plugin actions; startup errors (PluginError) name the plugin."""
    return _registry(settings or get_settings())


def check_plugins(settings: Settings | None = None) -> None:
    """Startup check: load every configured plugin, pair the halves, import every step function."""
    servers, clients = _plugins(settings or get_settings())
    validate_plugins(servers, clients)


def reset_node_registry() -> None:
    """Forget the cached plugins and registries (tests change plugins and settings)."""
    _plugins.cache_clear()
    _registry.cache_clear()
