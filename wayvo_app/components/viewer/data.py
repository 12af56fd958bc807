"""Turns an execution snapshot into the plain dicts the viewer's state holds (JSON text, colours, curl)."""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from typing import Any

from wayvo_app import routes
from wayvo_app.components.viewer.canvas import flow_edges, flow_nodes
from wayvo_app.core.times import format_clock, format_ms
from wayvo_app.engine.registry import step_labels
from wayvo_app.services.execution_lists import ViewerSnapshot

MAX_TEXT = 100_000
LONG_CHARS, LONG_LINES = 360, 10
STATUS_COLORS = {"running": "blue", "paused": "amber", "success": "green", "error": "red", "cancelled": "gray",
                 "skipped": "gray", "idle": "gray", "pending": "blue", "waiting": "amber"}


def pretty(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "\n… (truncated)"


def is_long(text: str) -> bool:
    return len(text) > LONG_CHARS or text.count("\n") >= LONG_LINES


def _preview(value: Any, limit: int = 90) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_view(value: Any) -> dict[str, Any]:
    text = pretty(value)
    return {"text": text, "long": is_long(text), "preview": _preview(value) if text else ""}


def _iso_text(value: str | None, same_day_as: str | None = None) -> str:
    """A step's start in full; its end as a time of day when it is on the same day."""
    if not value:
        return "–"
    moment = datetime.fromisoformat(value)
    short = same_day_as is not None and same_day_as[:10] == value[:10]
    return format_clock(moment, date=not short)


def step_views(snapshot: ViewerSnapshot) -> list[dict[str, Any]]:
    """Every attempt of every node, newest attempt first, with its logs."""
    logs: dict[str, list[dict[str, str]]] = {}
    for log in snapshot.logs:
        logs.setdefault(log["stepId"] or "", []).append(
            {"level": log["level"], "message": log["message"], "time": log["createdAt"],
             "color": {"error": "red", "warning": "amber", "warn": "amber"}.get(log["level"], "gray")})
    out = []
    for step in sorted(snapshot.steps, key=lambda st: -(st["attempt"] or 0)):
        out.append({
            "id": step["id"], "nodeId": step["nodeId"], "label": step["label"], "attempt": step["attempt"],
            "status": step["status"], "color": STATUS_COLORS.get(step["status"], "gray"),
            "started": _iso_text(step["startedAt"]), "completed": _iso_text(step["completedAt"], step["startedAt"]),
            "duration": format_ms(step["durationMs"]), "error": step["error"] or "",
            "waitKind": step["waitKind"] or "", "input": value_view(step["input"]),
            "output": value_view(step["output"]), "logs": logs.get(step["id"], []),
        })
    return out


def curl_line(app_url: str, namespace: str, key: str) -> str:
    """The signal call to paste in a shell; double quotes so the shell expands $WAYVO_API_KEY."""
    body = json.dumps({"eventNamespace": namespace, "eventKey": key, "payload": {}})
    return (f"curl -X POST {app_url}/api/workflow/events/signal "
            '-H "Authorization: Bearer $WAYVO_API_KEY" -H "Content-Type: application/json" '
            f"-d {shlex.quote(body)}")


def wait_views(snapshot: ViewerSnapshot, app_url: str) -> list[dict[str, Any]]:
    """Open waits first; resolved approvals and events stay listed with their outcome."""
    labels = step_labels(snapshot.graph)
    out = []
    for wait in snapshot.waits:
        view = {"kind": wait["kind"], "id": wait.get("id", ""), "node": labels.get(wait["nodeId"], wait["nodeId"]),
                "status": wait.get("status", "waiting"), "title": wait.get("title", ""),
                "namespace": wait.get("namespace", ""), "key": wait.get("key", ""),
                "expiresAt": wait.get("expiresAt", ""), "until": wait.get("until", ""),
                "approvers": wait.get("approvers", ""), "curl": "", "link": ""}
        view["open"] = view["status"] in ("pending", "waiting")
        view["color"] = "amber" if view["open"] else STATUS_COLORS.get(view["status"], "gray")
        if wait["kind"] == "event" and view["open"]:
            view["curl"] = curl_line(app_url, view["namespace"], view["key"])
        if wait["kind"] == "approval":
            view["link"] = routes.approval(view['id'])
        out.append(view)
    return sorted(out, key=lambda w: not w["open"])


def info_view(snapshot: ViewerSnapshot) -> dict[str, Any]:
    ex = snapshot.execution
    return {**{k: ex[k] for k in ("id", "workflowId", "workflowName", "status", "triggerType", "duration",
                                  "startedText", "completedText")},
            "version": f"version {ex['version']}" if ex["version"] else "draft run",
            "color": STATUS_COLORS.get(ex["status"], "gray"), "error": ex["error"] or "",
            "retryOf": ex["retryOf"] or "", "parent": ex["parentExecutionId"] or "",
            "input": value_view(ex["input"]), "output": value_view(ex["output"]),
            "open": ex["status"] in ("running", "paused"),
            # A cancelled run has no failed step to start from: the viewer offers only "from start".
            "failed": ex["status"] == "error"}


def focus_node(snapshot: ViewerSnapshot) -> str:
    """The step an incident starts from: the first failed one, else the first paused one, else none."""
    for wanted in ("error", "paused"):
        for node in snapshot.graph.nodes:
            if snapshot.statuses.get(node.id) == wanted:
                return node.id
    return ""


def view_of(snapshot: ViewerSnapshot, app_url: str, selected: str = "") -> dict[str, Any]:
    """All the state fields of a loaded viewer."""
    return {"info": info_view(snapshot), "focus": focus_node(snapshot),
            "nodes": flow_nodes(snapshot.graph, snapshot.statuses, snapshot.attempts, selected,
                                snapshot.step_status),
            "edges": flow_edges(snapshot.graph, snapshot.statuses), "timeline": snapshot.timeline,
            "steps": step_views(snapshot), "waits": wait_views(snapshot, app_url)}
