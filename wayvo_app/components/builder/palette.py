"""What the builder shows of each node type: the palette (grouped, searchable), a node's icon,
branch handles and a one-line summary of its config.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wayvo_app.core.specs import NodeSpec, Registry

# Palette groups first in this order; other categories (plugins) follow alphabetically.
CATEGORY_ORDER = ("Actions", "Logic", "Human in the loop", "Workflow Control", "Email", "DataSource")
SUMMARY_LENGTH = 60
# The config key that best describes a node of each type, shown under its label.
SUMMARY_KEYS = ("endpoint", "condition", "title", "eventKey", "duration", "until", "to", "action",
                "datasourceId", "workflowId", "message", "phoneNumber", "subject")


def palette(registry: Registry, query: str = "") -> list[dict[str, Any]]:
    """Groups of addable node types (every type but the trigger), filtered by `query`."""
    needle = query.strip().lower()
    groups: dict[str, list[dict[str, Any]]] = {}
    for spec in registry.all():
        if spec.kind == "trigger":
            continue
        text = f"{spec.label} {spec.description} {spec.category} {spec.action_type}".lower()
        if needle and not all(word in text for word in needle.split()):
            continue
        groups.setdefault(spec.category, []).append(
            {"actionType": spec.action_type, "label": spec.label, "description": spec.description,
             "icon": spec.icon, "plugin": spec.integration_type is not None})

    def order(category: str) -> tuple[int, str]:
        index = CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)
        return index, category.lower()

    return [{"category": name, "items": groups[name]} for name in sorted(groups, key=order)]


def spec_of(registry: Registry, node: Mapping[str, Any]) -> NodeSpec | None:
    data = node.get("data") or {}
    if "trigger" in (node.get("type"), data.get("type")):
        return registry.get("trigger")
    return registry.get(str((data.get("config") or {}).get("actionType") or ""))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def summary(spec: NodeSpec | None, config: Mapping[str, Any]) -> str:
    """One line under a node's label: the trigger's type, else its most telling config value."""
    if spec is None:
        return f'Unknown type "{config.get("actionType") or ""}"'
    if spec.kind == "trigger":
        kind = str(config.get("triggerType") or "Manual")
        if kind == "Schedule" and config.get("scheduleCron"):
            zone = config.get("scheduleTimezone") or "UTC"
            return _short(f"Schedule · {config['scheduleCron']} ({zone})")
        return kind
    if spec.action_type == "HTTP Request" and config.get("endpoint"):
        return _short(f"{config.get('httpMethod') or 'GET'} {config['endpoint']}")
    for key in SUMMARY_KEYS:
        value = config.get(key)
        if value not in (None, "", [], {}) and spec.field(key) is not None:
            return _short(value)
    return spec.label if spec.label != spec.action_type else spec.description[:SUMMARY_LENGTH]


def handles(spec: NodeSpec | None) -> list[str]:
    """The source handles a node shows: its branches (or the default one), then `error`."""
    if spec is None:
        return ["default"]
    if spec.kind == "trigger":
        return ["default"]
    return [*(spec.handles or ("default",)), "error"]
