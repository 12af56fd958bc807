"""The embeddable execution viewer and its dialog: canvas coloured by status, details on click,
open waits, timeline and values. Each viewer gets its own state, so several can share a page.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app.components.flow import flow_canvas
from wayvo_app.components.values import VALUE_CSS
from wayvo_app.components.viewer.panels import (
    details_panel,
    header,
    timeline_panel,
    values_panel,
    waits_panel,
)
from wayvo_app.components.viewer.state import ExecutionViewerState

CANVAS_HEIGHT = "480px"


def _state_message(S, icon: str, color: str) -> rx.Component:
    return rx.callout(S.message, icon=icon, color_scheme=color, width="100%", id="viewer-message")


def _loading() -> rx.Component:
    return rx.vstack(rx.skeleton(height="28px", width="40%"), rx.skeleton(height="360px", width="100%"),
                     rx.skeleton(height="120px", width="100%"), spacing="3", width="100%", id="viewer-loading")


def _no_selection() -> rx.Component:
    return rx.center(rx.vstack(
        rx.icon("mouse-pointer-click", size=22, color=rx.color("gray", 8)),
        rx.text("Click a node to see its input, output, logs and every attempt.", size="2", color_scheme="gray",
                align="center"),
        align="center", spacing="2"), height="100%", padding="1.5rem")


def _canvas_and_details(S) -> rx.Component:
    """Canvas and details side by side with fixed widths, so opening details never moves the graph."""
    frame = {"border": f"1px solid {rx.color('gray', 5)}", "border_radius": "8px", "background": rx.color("gray", 1)}
    canvas = rx.box(
        flow_canvas(S.nodes, S.edges, show_minimap=S.nodes.length() > 6, on_node_click=S.select_node,
                    on_pane_click=S.clear_selection),
        # Keyed by execution: a new one remounts React Flow, which fits the view to its graph again.
        key=S.exec_id, height=CANVAS_HEIGHT, overflow="hidden", id="viewer-canvas", **frame,
    )
    details = rx.box(rx.cond(S.selected_node != "", details_panel(S), _no_selection()),
                     height=rx.breakpoints(initial="auto", md=CANVAS_HEIGHT), max_height=CANVAS_HEIGHT,
                     overflow_y="auto", **frame)
    return rx.grid(canvas, details, columns=rx.breakpoints(initial="1", md="minmax(0, 1fr) 370px"), gap="3",
                   width="100%")


def _tabs(S) -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(rx.tabs.trigger("Timeline", value="timeline"),
                     rx.tabs.trigger("Input and output", value="values")),
        rx.tabs.content(rx.box(timeline_panel(S), padding_top="0.5rem"), value="timeline"),
        rx.tabs.content(rx.box(values_panel(S), padding_top="0.75rem"), value="values"),
        default_value="timeline", width="100%",
    )


def _ready(S) -> rx.Component:
    return rx.vstack(header(S), waits_panel(S), _canvas_and_details(S), _tabs(S), spacing="4", width="100%",
                     flex="1", id="viewer-ready", data_status=S.info["status"],
                     data_execution=S.exec_id)


class ExecutionViewer(ExecutionViewerState):
    @classmethod
    def get_component(cls, execution_id: Any = "", workflow_id: Any = "", height: str = "100%",
                      class_name: str | None = None, **props) -> rx.Component:
        S = cls
        content = rx.match(S.phase, ("loading", _loading()),
                           ("missing", _state_message(S, "search-x", "gray")),
                           ("error", _state_message(S, "triangle-alert", "red")), _ready(S))
        # After a reload the tab's state still holds the previous execution until on_mount loads this one.
        content = rx.cond(S.exec_id == execution_id, content, _loading())
        viewer = rx.box(
            rx.el.style(VALUE_CSS), content, on_mount=S.open(execution_id, workflow_id), on_unmount=S.close,
            height=height, overflow_y="auto", display="flex", flex_direction="column", width="100%",
            class_name=class_name or "", **props,
        )
        # The key sits on a parent: a new execution id remounts the viewer, so on_mount loads it.
        return rx.box(viewer, key=execution_id, width="100%", height=height)


def workflow_execution_viewer(execution_id: Any = "", workflow_id: Any = "", height: str = "100%",
                              class_name: str | None = None, **props) -> rx.Component:
    """The viewer of one execution (its own state, watched live while mounted)."""
    return ExecutionViewer.create(execution_id=execution_id, workflow_id=workflow_id, height=height,
                                  class_name=class_name, **props)


def workflow_execution_viewer_dialog(execution_id: Any = "", workflow_id: Any = "", on_close: Any = None,
                                     title: str = "Workflow execution") -> rx.Component:
    """The viewer in a dialog; render it while it should be open, `on_close` hides it."""
    close = (lambda _open: on_close) if on_close is not None else None
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(rx.dialog.title(title, margin="0"), rx.spacer(),
                      rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", color_scheme="gray",
                                                     aria_label="Close", id="viewer-dialog-close")),
                      align="center", width="100%", margin_bottom="0.75rem"),
            rx.dialog.description("Each step's status, updated live.", size="1", color_scheme="gray",
                                  margin_bottom="0.5rem"),
            workflow_execution_viewer(execution_id=execution_id, workflow_id=workflow_id, height="auto"),
            max_width="1180px", width="96vw", id="viewer-dialog",
        ),
        open=True, on_open_change=close,
    )
