"""The embeddable execution viewer and its dialog: canvas coloured by status, details on click,
open waits, timeline and values. Each viewer gets its own state, so several can share a page.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app.components.flow import flow_canvas
from wayvo_app.components.viewer_panels import (
    details_panel,
    header,
    timeline_panel,
    values_panel,
    waits_panel,
)
from wayvo_app.components.viewer_state import ExecutionViewerState


def _state_message(S, icon: str, color: str) -> rx.Component:
    return rx.callout(S.message, icon=icon, color_scheme=color, width="100%", id="viewer-message")


def _loading() -> rx.Component:
    return rx.vstack(rx.skeleton(height="28px", width="40%"), rx.skeleton(height="360px", width="100%"),
                     rx.skeleton(height="120px", width="100%"), spacing="3", width="100%", id="viewer-loading")


def _canvas_and_details(S) -> rx.Component:
    canvas = rx.box(
        flow_canvas(S.nodes, S.edges, on_node_click=S.select_node, on_pane_click=S.clear_selection),
        flex="1 1 420px", min_height="380px", height="100%", border=f"1px solid {rx.color('gray', 5)}",
        border_radius="8px", overflow="hidden", background=rx.color("gray", 1), id="viewer-canvas",
    )
    details = rx.cond(S.selected_node != "", rx.box(
        details_panel(S), flex="0 1 400px", min_width="300px", max_height="560px", overflow_y="auto",
        border=f"1px solid {rx.color('gray', 5)}", border_radius="8px", background=rx.color("gray", 1)))
    hint = rx.cond(S.selected_node == "", rx.text("Click a node for its input, output, logs and attempts.",
                                                  size="1", color_scheme="gray"))
    return rx.vstack(rx.flex(canvas, details, gap="3", width="100%", wrap="wrap", flex="1 0 380px"), hint,
                     spacing="1", width="100%", flex="1 0 400px")


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
        viewer = rx.box(
            content, on_mount=S.open(execution_id, workflow_id), on_unmount=S.close,
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
            rx.dialog.description("Status of each step, updated live.", size="1", color_scheme="gray",
                                  margin_bottom="0.5rem"),
            workflow_execution_viewer(execution_id=execution_id, workflow_id=workflow_id, height="72vh"),
            max_width="1180px", width="96vw", id="viewer-dialog",
        ),
        open=True, on_open_change=close,
    )
