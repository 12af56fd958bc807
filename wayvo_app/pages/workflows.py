"""/workflows: the signed-in user's workflows, with their status and last execution."""

from __future__ import annotations

import reflex as rx

from wayvo_app.components.layout import page_frame
from wayvo_app.engine import db, workflows
from wayvo_app.pages.auth_state import AuthState


class WorkflowsState(AuthState):
    rows: list[dict] = []
    loaded: bool = False

    @rx.event
    def load(self):
        if not self.user_id:
            return
        with db.read_session() as s:
            self.rows = [w.to_row() for w in workflows.list_workflows(s, self.user_id)]
        self.loaded = True


def _status_badge(row) -> rx.Component:
    return rx.badge(row["status"], color_scheme=row["statusColor"], variant="soft")


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(_status_badge(row)),
        rx.table.cell(rx.text(row["lastExecution"], color_scheme="gray")),
        rx.table.cell(rx.text(row["updatedAt"], color_scheme="gray")),
    )


def _empty() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("workflow", size=32, color=rx.color("gray", 9)),
            rx.heading("No workflows yet", size="4"),
            rx.text("Workflows you create or import appear here. `wayvo demo` loads sample ones.",
                    color_scheme="gray", align="center"),
            align="center", spacing="2", padding="2rem",
        ),
        width="100%",
    )


def workflows_page() -> rx.Component:
    table = rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("Name"), rx.table.column_header_cell("Status"),
            rx.table.column_header_cell("Last execution"), rx.table.column_header_cell("Updated"),
        )),
        rx.table.body(rx.foreach(WorkflowsState.rows, _row)),
        width="100%", variant="surface",
    )
    content = rx.cond(
        ~WorkflowsState.loaded,
        rx.center(rx.spinner(size="3"), padding="3rem", width="100%"),
        rx.cond(WorkflowsState.rows.length() > 0, table, _empty()),
    )
    return page_frame("Workflows", rx.box(content, width="100%", id="workflows-list"))
