"""/workflows/executions/[execution_id]: the execution viewer as a page."""

from __future__ import annotations

import asyncio

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame
from wayvo_app.components.viewer.embed import workflow_execution_viewer
from wayvo_app.core.errors import WorkflowError
from wayvo_app.services.execution_lists import viewer_view
from wayvo_app.state import AuthState


class ExecutionPageState(AuthState):
    """The page's title: which workflow's run this tab shows (the viewer itself has its own state)."""

    run_name: str = ""

    @rx.var
    def page_title(self) -> str:
        return f"{self.run_name} · Execution · Wayvo" if self.run_name else "Execution · Wayvo"

    @rx.event
    async def load(self):
        self.run_name = ""
        execution_id = str(self.router.page.params.get("execution_id") or "")
        if not self.user_id or not execution_id:
            return
        try:
            snapshot, _ = await asyncio.to_thread(viewer_view, execution_id, self.user_id)
        except WorkflowError:
            return  # the viewer says what is wrong
        self.run_name = f"{snapshot.execution['workflowName']} ({execution_id[:8]})"


def execution_viewer_page() -> rx.Component:
    back = rx.link(rx.button(rx.icon("arrow-left", size=14), "All executions", size="2", variant="soft",
                             color_scheme="gray"), href=routes.EXECUTIONS)
    viewer = workflow_execution_viewer(execution_id=rx.State.execution_id, height="auto", id="execution-viewer")
    return page_frame("Execution", viewer, actions=back)
