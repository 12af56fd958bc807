"""React Flow nodes and edges of an execution: the pinned graph coloured by node status."""

from __future__ import annotations

from typing import Any

from wayvo_app.core.graph import WorkflowGraph
from wayvo_app.engine.registry import action_labels_of, step_labels

EDGE_COLORS = {"taken": "#16a34a", "error": "#dc2626", "running": "#2563eb", "idle": "#94a3b8"}
REACHED = ("running", "paused", "success", "error")


def node_label(label: str, status: str, attempts: int) -> str:
    extra = f" · attempt {attempts}" if attempts > 1 else ""
    return f"{label}\n{status}{extra}"


def flow_nodes(graph: WorkflowGraph, statuses: dict[str, str], attempts: dict[str, int],
               selected: str = "", step_status: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Nodes coloured by the contract's node status; a cancelled step says so in its label."""
    step_status = step_status or {}
    with_outgoing = {edge.source for edge in graph.edges}
    out = []
    names, actions = step_labels(graph), action_labels_of(graph)
    for node in graph.nodes:
        status = statuses.get(node.id, "idle")
        kind = "input" if node.is_trigger else ("default" if node.id in with_outgoing else "output")
        classes = f"wv-node wv-{status}" + ("" if node.enabled else " wv-disabled")
        out.append({
            "id": node.id, "type": kind, "position": {"x": float(node.position.get("x", 0) or 0),
                                                      "y": float(node.position.get("y", 0) or 0)},
            "data": {"label": node_label(names[node.id],
                                         "cancelled" if step_status.get(node.id) == "cancelled" else status,
                                         attempts.get(node.id, 0)),
                     "status": status, "name": names[node.id], "action": actions[node.id],
                     "actionType": "Trigger" if node.is_trigger else node.action_type},
            "className": classes, "selected": node.id == selected, "draggable": False, "connectable": False,
            # Sizes before React Flow measures them; the minimap draws only nodes with a size.
            "initialWidth": 180, "initialHeight": 54,
        })
    return out


def _edge_state(source: str, target: str, handle: str | None) -> str:
    if target == "running":
        return "running"
    if source in ("success", "error") and target in REACHED:
        return "error" if handle == "error" else "taken"
    return "idle"


def flow_edges(graph: WorkflowGraph, statuses: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for edge in graph.edges:
        state = _edge_state(statuses.get(edge.source, "idle"), statuses.get(edge.target, "idle"),
                            edge.source_handle)
        color = EDGE_COLORS[state]
        item = {"id": edge.id, "source": edge.source, "target": edge.target, "animated": state == "running",
                "className": f"wv-edge wv-edge-{state}",
                "style": {"stroke": color, "strokeWidth": 2 if state != "idle" else 1.5},
                "markerEnd": {"type": "arrowclosed", "color": color}}
        if edge.source_handle:
            # Shown as a label only: the default node has no handle with this id, so passing
            # `sourceHandle` would make React Flow drop the edge.
            item.update(label=edge.source_handle, labelBgPadding=[6, 3], labelBgBorderRadius=4,
                        labelStyle={"fill": color, "fontWeight": 600})
        out.append(item)
    return out
