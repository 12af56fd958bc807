"""/workflows/executions/[execution_id]: the execution viewer as a page."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame
from wayvo_app.components.viewer.embed import workflow_execution_viewer


def execution_viewer_page() -> rx.Component:
    back = rx.link(rx.button(rx.icon("arrow-left", size=14), "All executions", size="2", variant="soft",
                             color_scheme="gray"), href=routes.EXECUTIONS)
    viewer = workflow_execution_viewer(execution_id=rx.State.execution_id, height="auto", id="execution-viewer")
    return page_frame("Execution", viewer, actions=back)
