"""/demo/order-status: an application page embedding the viewer (the product document's examples):
the newest execution of the signed-in user inline, the same in a dialog, and trigger-then-view.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from wayvo_app.components.layout import page_frame
from wayvo_app.core.errors import WorkflowError
from wayvo_app.services.execution_lists import newest_run
from wayvo_app.services.executions import trigger_workflow
from wayvo_app.ui import workflow_execution_viewer, workflow_execution_viewer_dialog


def _newest(user_id: str) -> tuple[str, str, dict]:
    return newest_run(user_id)


class OrderStatusState(rx.State):
    execution_id: str = ""
    workflow_id: str = ""
    loaded: bool = False
    dialog_open: bool = False
    starting: bool = False
    _input: dict = {}

    @rx.event
    async def load(self):
        from wayvo_app.state import AuthState

        auth = await self.get_state(AuthState)
        if auth.user_id:
            self.execution_id, self.workflow_id, self._input = await asyncio.to_thread(_newest, auth.user_id)
        self.loaded = True

    @rx.event
    def open_dialog(self):
        self.dialog_open = True

    @rx.event
    def close_dialog(self):
        self.dialog_open = False

    @rx.event
    async def run_again(self):
        """Trigger the same workflow with the same input, then view the new execution."""
        from wayvo_app.state import AuthState

        auth = await self.get_state(AuthState)
        self.starting = True
        workflow_id, user_name, payload = self.workflow_id, auth.user_name, dict(self._input)
        try:
            result = await asyncio.to_thread(lambda: trigger_workflow(
                workflow_id=workflow_id, user_name=user_name, input=payload))
            self.execution_id = result.execution_id
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        finally:
            self.starting = False
        return None


def order_status_page() -> rx.Component:
    S = OrderStatusState
    buttons = rx.hstack(
        rx.button(rx.icon("maximize-2", size=14), "View execution", on_click=S.open_dialog,
                  disabled=S.execution_id == "", id="open-viewer-dialog"),
        rx.button(rx.icon("play", size=14), "Run it again", on_click=S.run_again, loading=S.starting,
                  variant="soft", disabled=S.workflow_id == "", id="run-again"),
        spacing="2",
    )
    intro = rx.text("An application page built from wayvo_app.ui: workflow_execution_viewer embedded below, "
                    "workflow_execution_viewer_dialog behind the button.", color_scheme="gray", size="2")
    body = rx.cond(
        S.execution_id != "",
        rx.card(workflow_execution_viewer(execution_id=S.execution_id, workflow_id=S.workflow_id, height="640px",
                                          id="embedded-viewer"), width="100%"),
        rx.callout("You have no executions yet: run a workflow, then come back.", icon="info", width="100%"),
    )
    dialog = rx.cond(S.dialog_open, workflow_execution_viewer_dialog(
        execution_id=S.execution_id, workflow_id=S.workflow_id, on_close=S.close_dialog))
    content = rx.cond(S.loaded, rx.vstack(intro, body, spacing="3", width="100%"),
                      rx.center(rx.spinner(size="3"), padding="3rem", width="100%"))
    return page_frame("Order status", content, dialog, actions=buttons)
