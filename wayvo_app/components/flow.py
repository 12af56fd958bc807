"""A thin React Flow 12 (@xyflow/react) wrapper: the canvas, background, controls and minimap.
Controlled from Python state (props `nodes`, `edges`); shared by the execution viewer and the builder.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import passthrough_event_spec
from reflex.vars.base import Var

LIBRARY = "@xyflow/react@12.12.1"


def _node_event(_event: Var, node: Var) -> tuple[Var[dict]]:
    """Mouse event + node: only a small copy of the node crosses the websocket."""
    return (Var(f"({{id: {node}.id, position: {node}.position, data: {node}.data}})", _var_type=dict),)


def _connection(connection: Var) -> tuple[Var[dict]]:
    return (Var(f"({{source: {connection}.source, target: {connection}.target, "
                f"sourceHandle: {connection}.sourceHandle ?? null, "
                f"targetHandle: {connection}.targetHandle ?? null}})", _var_type=dict),)


class _FlowBase(rx.Component):
    library = LIBRARY


class ReactFlow(_FlowBase):
    """The canvas. Props follow React Flow's names (camelCase in JS, snake_case here)."""

    tag = "ReactFlow"

    nodes: rx.Var[list[dict[str, Any]]]
    edges: rx.Var[list[dict[str, Any]]]
    fit_view: rx.Var[bool]
    fit_view_options: rx.Var[dict[str, Any]]
    min_zoom: rx.Var[float]
    max_zoom: rx.Var[float]
    nodes_draggable: rx.Var[bool]
    nodes_connectable: rx.Var[bool]
    elements_selectable: rx.Var[bool]
    pan_on_drag: rx.Var[bool]
    zoom_on_scroll: rx.Var[bool]
    prevent_scrolling: rx.Var[bool]
    color_mode: rx.Var[str]
    default_edge_options: rx.Var[dict[str, Any]]
    pro_options: rx.Var[dict[str, Any]]

    on_nodes_change: rx.EventHandler[passthrough_event_spec(list[dict[str, Any]])]
    on_edges_change: rx.EventHandler[passthrough_event_spec(list[dict[str, Any]])]
    on_connect: rx.EventHandler[_connection]
    on_node_click: rx.EventHandler[_node_event]
    on_node_drag_stop: rx.EventHandler[_node_event]
    on_pane_click: rx.EventHandler[lambda _event: []]

    def add_imports(self) -> dict[str, str]:
        return {"": "@xyflow/react/dist/style.css"}


class ReactFlowProvider(_FlowBase):
    """Shares one flow store between a canvas and components outside it (as in React Flow)."""

    tag = "ReactFlowProvider"


class Background(_FlowBase):
    tag = "Background"

    variant: rx.Var[str]
    gap: rx.Var[int]
    size: rx.Var[float]
    color: rx.Var[str]


class Controls(_FlowBase):
    tag = "Controls"

    show_interactive: rx.Var[bool]
    position: rx.Var[str]


class MiniMap(_FlowBase):
    tag = "MiniMap"

    pannable: rx.Var[bool]
    zoomable: rx.Var[bool]
    node_stroke_width: rx.Var[int]
    node_class_name: rx.Var[Any]
    node_color: rx.Var[Any]
    position: rx.Var[str]


react_flow = ReactFlow.create
react_flow_provider = ReactFlowProvider.create
background = Background.create
controls = Controls.create
minimap = MiniMap.create

# Node looks by status; class names go on each node (`className`), so tests and themes can find them.
FLOW_CSS = """
.wv-flow .react-flow__node.wv-node { border-radius: 10px; border: 2px solid #94a3b8; background: #f8fafc;
  color: #475569; font-size: 11px; width: 180px; padding: 8px 10px; white-space: pre-line; line-height: 1.45;
  box-shadow: 0 1px 2px rgba(15,23,42,.08); }
.wv-flow .react-flow__node.wv-node::first-line { font-size: 13px; font-weight: 600; color: #0f172a; }
.wv-flow .react-flow__node.wv-idle { border-color: #cbd5e1; background: #f8fafc; color: #475569; }
.wv-flow .react-flow__node.wv-running { border-color: #2563eb; background: #eff6ff;
  animation: wv-pulse 1.1s ease-in-out infinite; }
.wv-flow .react-flow__node.wv-paused { border-color: #d97706; background: #fffbeb; }
.wv-flow .react-flow__node.wv-success { border-color: #16a34a; background: #f0fdf4; }
.wv-flow .react-flow__node.wv-error { border-color: #dc2626; background: #fef2f2; }
.wv-flow .react-flow__node.wv-skipped { border-style: dashed; border-color: #94a3b8; background: #f1f5f9;
  color: #64748b; opacity: .8; }
.wv-flow .react-flow__node.wv-disabled { opacity: .55; }
.wv-flow .react-flow__node.selected { box-shadow: 0 0 0 3px rgba(99,102,241,.35); }
.wv-flow .react-flow__minimap-node.wv-idle { fill: #e2e8f0 !important; }
.wv-flow .react-flow__minimap-node.wv-running { fill: #93c5fd !important; }
.wv-flow .react-flow__minimap-node.wv-paused { fill: #fcd34d !important; }
.wv-flow .react-flow__minimap-node.wv-success { fill: #86efac !important; }
.wv-flow .react-flow__minimap-node.wv-error { fill: #fca5a5 !important; }
.wv-flow .react-flow__minimap-node.wv-skipped { fill: #f1f5f9 !important; }
.wv-flow .react-flow__edge-textbg { fill: #ffffff; }
.wv-flow .react-flow__edge-text { font-size: 11px; fill: #334155; }
.wv-live-dot { animation: wv-blink 1.6s ease-in-out infinite; }
@keyframes wv-blink { 0%, 100% { opacity: 1; } 50% { opacity: .3; } }
@keyframes wv-pulse { 0%, 100% { box-shadow: 0 0 0 0 rgba(37,99,235,.45); }
  50% { box-shadow: 0 0 0 7px rgba(37,99,235,0); } }
@media (prefers-reduced-motion: reduce) { .wv-flow .react-flow__node.wv-running { animation: none;
  border-width: 3px; } }
"""


def flow_styles() -> rx.Component:
    """The status styles as a <style> element, so an embedding app needs no stylesheet of ours."""
    return rx.el.style(FLOW_CSS)


def flow_canvas(nodes, edges, *, height: str = "100%", read_only: bool = True, show_minimap: Any = True,
                **events: Any) -> rx.Component:
    """A React Flow canvas with background, zoom controls and (optionally) a minimap, in a sized box."""
    interactive = {} if not read_only else {"nodes_draggable": False, "nodes_connectable": False}
    mini = minimap(pannable=True, zoomable=True, node_stroke_width=3,
                   node_class_name=Var("(node) => node.className ?? ''"))
    children = [background(variant="dots", gap=18, size=1), controls(show_interactive=False)]
    if isinstance(show_minimap, Var):
        children.append(rx.cond(show_minimap, mini))
    elif show_minimap:
        children.append(mini)
    return rx.box(
        flow_styles(),
        react_flow(
            *children, nodes=nodes, edges=edges, fit_view=True, fit_view_options={"padding": 0.2, "maxZoom": 1.1},
            min_zoom=0.2, max_zoom=2.0, **interactive, **events,
        ),
        class_name="wv-flow", width="100%", height=height, position="relative",
    )
