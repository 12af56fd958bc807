"""Plugins into node specs: load server plugins from settings, check them, build one NodeSpec per
client action. Plugin actions then run exactly like built-in nodes."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from wayvo_app.core.errors import PluginError
from wayvo_app.core.specs import ConfigField, NodeSpec
from wayvo_app.plugins.step_runner import make_run
from wayvo_app.plugins.types import (
    IntegrationSpec,
    PluginAction,
    StepImporter,
    WorkflowClientPlugin,
    WorkflowServerPlugin,
    import_object,
)

INTEGRATION_FIELD_KEY = "integrationId"


def _load_plugins(paths: Iterable[str], kind: str, cls: type) -> list:
    """The plugins of one kind named by `"pkg.mod:obj"` paths; an error names the path and the kind."""
    plugins = []
    for path in paths:
        try:
            plugin = import_object(path)
        except PluginError as exc:
            raise PluginError(f'{kind} plugin "{path}" cannot be loaded: {exc.message}')
        if not isinstance(plugin, cls):
            raise PluginError(f'{kind} plugin "{path}" is a {type(plugin).__name__}, not a {cls.__name__}')
        plugins.append(plugin if plugin.name else dataclasses.replace(plugin, name=path))
    return plugins


def load_server_plugins(paths: Iterable[str]) -> list[WorkflowServerPlugin]:
    """The server plugins of the `WAYVO_WORKFLOW_PLUGINS` setting."""
    return _load_plugins(paths, "Workflow", WorkflowServerPlugin)


def load_client_plugins(paths: Iterable[str]) -> list[WorkflowClientPlugin]:
    """The client plugins of the `WAYVO_CLIENT_PLUGINS` setting."""
    return _load_plugins(paths, "Client", WorkflowClientPlugin)


def _plugin_name(plugin: WorkflowServerPlugin, index: int) -> str:
    return plugin.name or f"server plugin #{index + 1}"


def step_importers(server_plugins: Sequence[WorkflowServerPlugin]) -> dict[str, tuple[str, StepImporter]]:
    """Step importers by action id, with the name of the plugin that declares each."""
    found: dict[str, tuple[str, StepImporter]] = {}
    for index, plugin in enumerate(server_plugins):
        name = _plugin_name(plugin, index)
        for importer in plugin.step_importers:
            if importer.action_id in found:
                raise PluginError(f'Workflow plugin "{name}": duplicate action id "{importer.action_id}" '
                                  f'(also in "{found[importer.action_id][0]}")')
            found[importer.action_id] = (name, importer)
    return found


def _integration_name(integration: IntegrationSpec) -> str:
    return f'Client plugin "{integration.label}" ({integration.type})'


def _listed(names: Iterable[str]) -> str:
    names = [f'"{name}"' for name in names]
    return ", ".join(names) if names else "none"


def _check_action(client: WorkflowClientPlugin, action: PluginAction, seen: set[str],
                  importers: dict[str, tuple[str, StepImporter]]) -> str:
    integration = client.integration
    name, action_id = _integration_name(integration), integration.action_id(action)
    if action.category != integration.label:
        raise PluginError(f'{name}: action "{action_id}" has category "{action.category}"; '
                          f'it must be the integration label "{integration.label}"')
    if action_id in seen:
        raise PluginError(f'{name}: duplicate action id "{action_id}"')
    if action_id not in importers:
        source = f' from "{client.name}"' if client.name else ""
        servers = _listed(dict.fromkeys(plugin for plugin, _ in importers.values()))
        raise PluginError(f'{name}{source}: action "{action_id}" has no step importer; add the server '
                          f"plugin declaring it to WAYVO_WORKFLOW_PLUGINS (server plugins: {servers})")
    seen.add(action_id)
    return action_id


def _integration_field(integration: IntegrationSpec) -> ConfigField:
    return ConfigField(key=INTEGRATION_FIELD_KEY, label=f"{integration.label} integration",
                       type="combobox", required=True, options_source="integrations",
                       description=f"Your {integration.label} credentials")


def lucide_name(icon: str) -> str:
    """A lucide icon name as the canvas and the palette look it up: "MessageSquare", "message_square"
    and "message-square" are one icon (the product document names lucide-react components)."""
    kebab = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", icon.strip()).replace("_", "-").replace(" ", "-")
    return kebab.lower() or "plug"


def _spec(integration: IntegrationSpec, action: PluginAction, importer: StepImporter,
          plugin_name: str) -> NodeSpec:
    fields = tuple(action.config_fields)
    if integration.form_fields and all(f.key != INTEGRATION_FIELD_KEY for f in fields):
        fields = (_integration_field(integration), *fields)
    spec = NodeSpec(
        action_type=integration.action_id(action), label=action.label, description=action.description,
        category=action.category, icon=lucide_name(integration.icon), kind="action", config_fields=fields,
        output_fields=tuple(action.output_fields), retry=action.retry,
        integration_type=integration.type,
    )
    run = make_run(spec, importer, plugin_name, needs_credentials=bool(integration.form_fields))
    return dataclasses.replace(spec, run=run)


def plugin_specs(server_plugins: Sequence[WorkflowServerPlugin],
                 client_plugins: Sequence[WorkflowClientPlugin]) -> list[NodeSpec]:
    """One NodeSpec per client action, checked (category, duplicates, step importers)."""
    importers, labels = step_importers(server_plugins), action_labels(server_plugins)
    seen: set[str] = set()
    specs = []
    for client in client_plugins:
        for action in client.integration.actions:
            action_id = _check_action(client, action, seen, importers)
            plugin_name, importer = importers[action_id]
            spec = _spec(client.integration, action, importer, plugin_name)
            specs.append(dataclasses.replace(spec, step_label=labels.get(action_id, "")))
    _check_orphans(importers, seen, client_plugins)
    return specs


def _check_orphans(importers: dict[str, tuple[str, StepImporter]], seen: set[str],
                   client_plugins: Sequence[WorkflowClientPlugin]) -> None:
    """A server plugin's action that no client plugin declares would never be reachable from the
    builder: a startup error naming the server plugin and the client plugins that were listed."""
    for action_id, (plugin_name, _) in importers.items():
        if action_id not in seen:
            clients = _listed(c.name or c.integration.type for c in client_plugins)
            raise PluginError(f'Workflow plugin "{plugin_name}": action "{action_id}" has no client plugin; '
                              f'add the client plugin of integration "{action_id.split("/")[0]}" to '
                              f"WAYVO_CLIENT_PLUGINS (client plugins: {clients})")


def validate_plugins(server_plugins: Sequence[WorkflowServerPlugin],
                     client_plugins: Sequence[WorkflowClientPlugin]) -> list[NodeSpec]:
    """`plugin_specs` plus an eager import of every step function (for startup checks)."""
    specs = plugin_specs(server_plugins, client_plugins)
    for action_id, (name, importer) in step_importers(server_plugins).items():
        try:
            importer.load()
        except PluginError as exc:
            raise PluginError(f'Workflow plugin "{name}": step function of "{action_id}" '
                              f"cannot be found: {exc.message}")
    return specs


def action_labels(server_plugins: Sequence[WorkflowServerPlugin]) -> dict[str, str]:
    """The server-side labels by action id: they name a plugin step in logs, the timeline and the
    viewer when its node has no label of its own (NodeSpec.step_label)."""
    return {label.action_id: label.label for plugin in server_plugins for label in plugin.action_labels}
