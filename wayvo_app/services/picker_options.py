"""Options of the builder's pickers: static, from a built-in source (DataSources, workflows, server
actions, the user's integrations) or from a field's getOptions(config); DataSource keys and fields.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import Mapping
from typing import Any

from wayvo_app.core.errors import WorkflowError
from wayvo_app.core.specs import ConfigField, SelectOption
from wayvo_app.store import db

DATASOURCE_KEY = "datasourceId"
SOURCES = ("datasources", "workflows", "serverActions", "integrations")


def _await(value: Any) -> Any:
    """The result of a sync or async getOptions, also when called from inside an event loop."""
    if not inspect.isawaitable(value):
        return value
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_resolved(value))
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.update(result=asyncio.run(_resolved(value))))
    thread.start()
    thread.join()
    return box.get("result")


async def _resolved(awaitable: Any) -> Any:
    return await awaitable


def _option(item: Any) -> dict[str, str] | None:
    if isinstance(item, SelectOption):
        return {"value": str(item.value), "label": str(item.label)}
    if isinstance(item, Mapping) and "value" in item:
        return {"value": str(item["value"]), "label": str(item.get("label") or item["value"])}
    if isinstance(item, tuple | list) and len(item) == 2:
        return {"value": str(item[0]), "label": str(item[1])}
    if isinstance(item, str | int | float):
        return {"value": str(item), "label": str(item)}
    return None


def normalize(items: Any) -> list[dict[str, str]]:
    out, seen = [], set()
    for item in items or ():
        option = _option(item)
        if option is not None and option["value"] not in seen:
            seen.add(option["value"])
            out.append(option)
    return out


def source_options(source: str, *, user_id: str, integration_type: str | None = None,
                   exclude_workflow: str = "") -> list[dict[str, str]]:
    """The options of a built-in source, as the signed-in user sees them."""
    if source == "datasources":
        from wayvo_app.datasources.registry import data_source_names, get_data_source

        return [{"value": name, "label": get_data_source(name).label or name} for name in data_source_names()]
    if source == "serverActions":
        return normalize(_server_actions())
    with db.read_session() as s:
        if source == "workflows":
            from wayvo_app.services.workflows import list_workflows

            return [{"value": w.id, "label": w.name} for w in list_workflows(s, user_id) if w.id != exclude_workflow]
        if source == "integrations":
            from wayvo_app.services.integrations import list_integrations

            return [{"value": i.id, "label": i.name} for i in list_integrations(s, user_id, integration_type)]
    return []


def _server_actions() -> list[str]:
    from wayvo_app.datasources import server_actions

    if not server_actions.action_names():
        from wayvo_app.settings import get_settings

        try:
            server_actions.load_actions(getattr(get_settings(), "server_actions", ()) or ())
        except (ImportError, ValueError, TypeError):
            return []
    return server_actions.action_names()


def field_options(config_field: ConfigField, config: Mapping[str, Any], *, user_id: str,
                  integration_type: str | None = None, workflow_id: str = "") -> list[dict[str, str]]:
    """Static options, else getOptions(config), else the built-in source; [] when a source fails."""
    if config_field.options:
        return normalize(config_field.options)
    try:
        if config_field.get_options is not None:
            return normalize(_await(config_field.get_options(dict(config))))
        if config_field.options_source in SOURCES:
            return source_options(config_field.options_source, user_id=user_id,
                                  integration_type=integration_type, exclude_workflow=workflow_id)
    except WorkflowError:
        return []
    return []


def dependency_key(config_field: ConfigField, config: Mapping[str, Any]) -> str:
    """What the options depend on: the dependency keys' values, else the config without the field."""
    if config_field.options_dependency_keys:
        values = {k: config.get(k) for k in config_field.options_dependency_keys}
    elif config_field.get_options is None and config_field.options_source != "workflows":
        values = {}  # static options and sources do not depend on the config
    else:
        values = {k: v for k, v in config.items() if k != config_field.key}
    return config_field.key + ":" + json.dumps(values, sort_keys=True, default=str)


def datasource_fields(config: Mapping[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    """The selected DataSource's fields as options, and its primary key names ([] when none)."""
    name = str(config.get(DATASOURCE_KEY) or "")
    if not name or "{{" in name:
        return [], []
    from wayvo_app.datasources.registry import get_data_source

    try:
        ds = get_data_source(name)
    except WorkflowError:
        return [], []
    return normalize(ds.attributes()), list(ds.keys)


def approver_options(kind: str) -> list[dict[str, str]]:
    """The builder's approver pickers: the users who can sign in ("approvers"), or the roles such
    users hold ("approverRoles"): exactly what publishing accepts."""
    from wayvo_app.store.users import active_users

    with db.read_session() as s:
        users = active_users(s)
    if kind == "approverRoles":
        return [{"value": role, "label": role} for role in sorted({r for u in users for r in (u.roles or [])})]
    return [{"value": u.user_name, "label": f"{u.display_name} ({u.user_name})" if u.display_name else u.user_name}
            for u in users]


def add_name(text: str, name: str) -> str:
    """`text` (comma-separated names, a JSON array, or a template) with `name` added once."""
    text, name = (text or "").strip(), (name or "").strip()
    if not name:
        return text
    if text.startswith("["):
        try:
            names = json.loads(text)
        except json.JSONDecodeError:
            names = None
        if isinstance(names, list):
            return json.dumps(names if name in names else [*names, name])
    names = [part.strip() for part in text.split(",") if part.strip()]
    return ", ".join(names if name in names else [*names, name])
