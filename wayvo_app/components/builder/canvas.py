"""React Flow nodes and edges of the builder's canvas, from the workflow document: our `wayvo`
node type with its icon, summary and branch handles; problems and run statuses as classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wayvo_app.components.builder.palette import handles, spec_of, summary
from wayvo_app.core.specs import Registry

HANDLE_COLORS = {"true": "#16a34a", "approved": "#16a34a", "received": "#16a34a", "false": "#dc2626",
                 "rejected": "#dc2626", "error": "#dc2626", "expired": "#d97706"}
STATUS_EDGE = {"success": "#16a34a", "error": "#dc2626", "paused": "#d97706", "running": "#2563eb"}


def canvas_nodes(doc: Mapping[str, Any], registry: Registry, *, statuses: Mapping[str, str] | None = None,
                 problems: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    statuses, problems = statuses or {}, problems or {}
    out = []
    for node in doc.get("nodes", []):
        data = node.get("data") or {}
        config = data.get("config") or {}
        spec = spec_of(registry, node)
        is_trigger = spec is not None and spec.kind == "trigger"
        status = statuses.get(node["id"], "")
        status = "" if status == "idle" else status
        classes = ["wv-bn", "wv-trigger" if is_trigger else "wv-action"]
        if status:
            classes.append(f"wv-{status}")
        if node["id"] in problems:
            classes.append("wv-invalid")
        if data.get("enabled") is False:
            classes.append("wv-disabled")
        pos = node.get("position") or {}
        out.append({
            "id": node["id"], "type": "wayvo",
            "position": {"x": float(pos.get("x", 0) or 0), "y": float(pos.get("y", 0) or 0)},
            "data": {"label": str(data.get("label") or ""), "icon": spec.icon if spec else "box",
                     "summary": summary(spec, config), "handles": handles(spec),
                     "kind": "trigger" if is_trigger else "action", "status": status,
                     "problems": problems.get(node["id"], ""), "description": str(data.get("description") or ""),
                     "actionType": "trigger" if is_trigger else str(config.get("actionType") or "")},
            "className": " ".join(classes), "deletable": not is_trigger,
        })
    return out


def canvas_edges(doc: Mapping[str, Any], statuses: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    statuses = statuses or {}
    out = []
    for edge in doc.get("edges", []):
        handle = edge.get("sourceHandle") or None
        color = HANDLE_COLORS.get(handle or "", "#94a3b8")
        reached = statuses.get(edge["target"], "") not in ("", "idle", "skipped") and \
            statuses.get(edge["source"], "") == "success"
        if reached:
            color = STATUS_EDGE.get(statuses.get(edge["target"], ""), color)
        item: dict[str, Any] = {
            "id": edge["id"], "source": edge["source"], "target": edge["target"],
            "className": "wv-edge" + (" wv-edge-taken" if reached else ""),
            "style": {"stroke": color, "strokeWidth": 2.2 if reached else 1.6},
            "markerEnd": {"type": "arrowclosed", "color": color},
        }
        if handle:
            item["sourceHandle"] = handle  # the handle on the node is labelled already
        out.append(item)
    return out
