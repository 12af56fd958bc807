"""Reflex wrappers of the builder's own React components (builder_flow.jsx, builder_inputs.jsx):
the canvas with our node type, the searchable combobox, the multi-select and the reference picker.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import no_args_event_spec, passthrough_event_spec

from wayvo_app.components.flow import LIBRARY as XYFLOW

DAGRE = "@dagrejs/dagre@3.1.3"
_FLOW_JS = rx.asset("builder_flow.jsx", shared=True).importable_path
_INPUTS_JS = rx.asset("builder_inputs.jsx", shared=True).importable_path


class BuilderFlow(rx.Component):
    """The editable canvas; every event carries only ids, positions or a connection."""

    library = _FLOW_JS
    tag = "WayvoBuilderFlow"
    lib_dependencies: list[str] = [XYFLOW, DAGRE]  # noqa: RUF012

    nodes: rx.Var[list[dict[str, Any]]]
    edges: rx.Var[list[dict[str, Any]]]
    focus: rx.Var[dict[str, Any]]
    layout_request: rx.Var[int]

    on_nodes_moved: rx.EventHandler[passthrough_event_spec(list[dict[str, Any]])]
    on_select: rx.EventHandler[passthrough_event_spec(list[str])]
    on_node_click: rx.EventHandler[passthrough_event_spec(str)]
    on_connect_nodes: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_delete_items: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_drop_node: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_layout: rx.EventHandler[passthrough_event_spec(list[dict[str, Any]])]
    on_undo: rx.EventHandler[no_args_event_spec]
    on_redo: rx.EventHandler[no_args_event_spec]
    on_duplicate: rx.EventHandler[no_args_event_spec]

    def add_imports(self) -> dict[str, str]:
        return {"": "@xyflow/react/dist/style.css"}


class _Inputs(rx.Component):
    library = _INPUTS_JS


class Combobox(_Inputs):
    tag = "WayvoCombobox"

    options: rx.Var[list[dict[str, str]]]
    value: rx.Var[str]
    placeholder: rx.Var[str]
    search_placeholder: rx.Var[str]
    allow_custom: rx.Var[bool]
    labelled_by: rx.Var[str]  # the id of the field's <label> (the trigger button's accessible name)

    on_change: rx.EventHandler[passthrough_event_spec(str)]


class MultiSelect(_Inputs):
    tag = "WayvoMultiSelect"

    options: rx.Var[list[dict[str, str]]]
    value: rx.Var[list[str]]
    placeholder: rx.Var[str]
    search_placeholder: rx.Var[str]
    labelled_by: rx.Var[str]

    on_change: rx.EventHandler[passthrough_event_spec(list[str])]


class RefPicker(_Inputs):
    tag = "WayvoRefPicker"

    groups: rx.Var[list[dict[str, Any]]]
    target: rx.Var[str]
    field_label: rx.Var[str]  # names the button: "Insert a reference into <field>"


builder_flow = BuilderFlow.create
combobox = Combobox.create
multi_select = MultiSelect.create
ref_picker = RefPicker.create

BUILDER_CSS = """
.wv-builder .react-flow__node-wayvo { padding: 0; border-radius: 10px; border: 1.5px solid #cbd5e1; background: #fff;
  width: 230px; box-shadow: 0 1px 3px rgba(15,23,42,.08); color: #0f172a; font-size: 12px; }
.wv-builder .react-flow__node-wayvo.selected { border-color: #6366f1; box-shadow: 0 0 0 3px rgba(99,102,241,.3); }
.wv-builder .react-flow__node-wayvo.wv-trigger { border-color: #a5b4fc; background: #eef2ff; }
.wv-builder .react-flow__node-wayvo.wv-invalid { border-color: #f87171; }
.wv-builder .react-flow__node-wayvo.wv-disabled { opacity: .5; border-style: dashed; }
.wv-builder .react-flow__node-wayvo.wv-running { border-color: #2563eb; background: #eff6ff; }
.wv-builder .react-flow__node-wayvo.wv-paused { border-color: #d97706; background: #fffbeb; }
.wv-builder .react-flow__node-wayvo.wv-success { border-color: #16a34a; background: #f0fdf4; }
.wv-builder .react-flow__node-wayvo.wv-error { border-color: #dc2626; background: #fef2f2; }
.wv-builder .react-flow__node-wayvo.wv-skipped { border-style: dashed; background: #f8fafc; }
.wv-bn-body { padding: 8px 10px 8px 10px; position: relative; }
.wv-bn-head { display: flex; align-items: center; gap: 6px; }
.wv-bn-icon { display: inline-flex; width: 22px; height: 22px; border-radius: 6px; align-items: center;
  justify-content: center; background: #eef2ff; color: #4f46e5; flex: none; }
.wv-bn-label { font-weight: 600; font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.wv-bn-bad { color: #dc2626; display: inline-flex; margin-left: auto; }
.wv-bn-summary { color: #475569; font-size: 11px; margin-top: 3px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; min-height: 14px; }
.wv-bn-status { display: inline-block; margin-top: 4px; font-size: 10px; font-weight: 600; padding: 1px 6px;
  border-radius: 999px; background: #e2e8f0; color: #334155; text-transform: uppercase; letter-spacing: .03em; }
.wv-st-success { background: #dcfce7; color: #166534; } .wv-st-error { background: #fee2e2; color: #991b1b; }
.wv-st-paused { background: #fef3c7; color: #92400e; } .wv-st-running { background: #dbeafe; color: #1e40af; }
.wv-bn-branches { display: flex; justify-content: space-around; margin-top: 6px; font-size: 10px; font-weight: 600; }
.wv-bn-branch { padding: 0 4px; border-radius: 4px; }
.wv-bn-error-label { position: absolute; left: calc(100% + 7px); top: 50%; transform: translateY(-110%);
  font-size: 9px; color: #dc2626; font-weight: 600; opacity: .7; pointer-events: none; }
.wv-builder .react-flow__minimap { width: 150px; height: 100px; }
.wv-builder .react-flow__minimap svg { width: 150px; height: 100px; }
.wv-builder .react-flow__handle { width: 10px; height: 10px; border: 2px solid #fff; background: #64748b; }
.wv-builder .react-flow__handle.wv-h-in { background: #94a3b8; }
.wv-hl-true, .wv-hl-approved, .wv-hl-received { color: #15803d; }
.wv-hl-false, .wv-hl-rejected, .wv-hl-error { color: #b91c1c; }
.wv-hl-expired { color: #b45309; }
.wv-builder .react-flow__handle.wv-hl-true, .wv-builder .react-flow__handle.wv-hl-approved,
.wv-builder .react-flow__handle.wv-hl-received { background: #16a34a; }
.wv-builder .react-flow__handle.wv-hl-false, .wv-builder .react-flow__handle.wv-hl-rejected,
.wv-builder .react-flow__handle.wv-hl-error { background: #dc2626; }
.wv-builder .react-flow__handle.wv-hl-expired { background: #d97706; }
.wv-builder .react-flow__edge.selected .react-flow__edge-path { stroke: #6366f1 !important; stroke-width: 2.5; }
.wv-builder .react-flow__edge-textbg { fill: #fff; }
.wv-builder .react-flow__edge-text { font-size: 11px; font-weight: 600; }
.wv-builder .react-flow__minimap-node.wv-success { fill: #86efac; } .wv-builder .react-flow__minimap-node.wv-error { fill: #fca5a5; }
.wv-builder .react-flow__minimap-node.wv-paused { fill: #fcd34d; } .wv-builder .react-flow__minimap-node.wv-invalid { fill: #fecaca; }
.wv-combo { position: relative; width: 100%; }
.wv-combo-trigger { width: 100%; display: flex; align-items: center; gap: 6px; min-height: 32px; padding: 4px 8px;
  border: 1px solid var(--gray-7); border-radius: 6px; background: var(--color-surface); font-size: 14px;
  text-align: left; cursor: pointer; color: var(--gray-12); }
.wv-combo-trigger:focus-visible { outline: 2px solid var(--accent-8); }
.wv-combo-value { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1; }
.wv-combo-ph { color: var(--gray-11); flex: 1; }
.wv-multi { flex-wrap: wrap; }
.wv-chip { display: inline-flex; align-items: center; gap: 3px; background: var(--accent-3); color: var(--accent-11);
  border-radius: 4px; padding: 1px 6px; font-size: 12px; }
.wv-combo-pop, .wv-ref-pop { position: absolute; z-index: 40; top: calc(100% + 4px); left: 0; right: 0;
  background: var(--color-panel-solid); border: 1px solid var(--gray-6); border-radius: 8px;
  box-shadow: 0 10px 30px rgba(15,23,42,.18); padding: 6px; }
.wv-ref-pop { left: auto; right: 0; width: 320px; }
.wv-combo-search { width: 100%; box-sizing: border-box; padding: 6px 8px; border: 1px solid var(--gray-6);
  border-radius: 6px; font-size: 13px; margin-bottom: 4px; background: var(--color-surface); color: var(--gray-12); }
.wv-combo-list { max-height: 240px; overflow-y: auto; }
.wv-combo-opt { display: flex; align-items: center; gap: 8px; padding: 5px 8px; border-radius: 5px; cursor: pointer;
  font-size: 13px; }
.wv-combo-opt:hover { background: var(--accent-3); }
.wv-combo-opt.is-selected { background: var(--accent-4); font-weight: 500; }
.wv-combo-opt.is-active, .wv-ref-head.is-active { outline: 2px solid var(--accent-8); outline-offset: -2px; }
.wv-combo-sub { color: var(--gray-10); font-size: 11px; margin-left: auto; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; max-width: 55%; }
.wv-combo-clear { color: var(--gray-10); font-style: italic; }
.wv-combo-empty { color: var(--gray-10); font-size: 12px; padding: 6px 8px; }
.wv-check { width: 14px; display: inline-flex; }
.wv-ref { position: relative; }
.wv-ref-button { display: inline-flex; align-items: center; justify-content: center; width: 28px; height: 28px;
  border-radius: 6px; border: 1px solid var(--gray-6); background: var(--gray-2); cursor: pointer; color: var(--accent-11); }
.wv-ref-button:hover { background: var(--accent-3); }
.wv-ref-head { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: var(--gray-11);
  padding: 6px 8px 2px; cursor: pointer; }
.wv-ref-note { font-weight: 500; text-transform: none; letter-spacing: 0; color: var(--gray-11); }
.wv-ref-sample { font-family: var(--code-font-family, monospace); color: var(--green-11); }
.wv-ref-path { font-family: var(--code-font-family, monospace); font-size: 12px; }
.wv-palette-item { cursor: grab; }
.wv-palette-item:hover { background: var(--accent-3); }
"""


def builder_styles() -> rx.Component:
    return rx.el.style(BUILDER_CSS)
