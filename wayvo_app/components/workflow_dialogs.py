"""The workflows page's dialogs: create, rename, delete (confirmation) and import (file or JSON)."""

from __future__ import annotations

from typing import Any

import reflex as rx


def _error(state: Any) -> rx.Component:
    return rx.cond(state.error != "", rx.callout(state.error, icon="triangle-alert", color_scheme="red", size="1"))


def _name_form(state: Any, handler: Any, button: str, form_id: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.input(name="name", default_value=state.target_name, placeholder="Order approval", auto_focus=True,
                     width="100%", id=f"{form_id}-name", max_length=200),
            _error(state),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                      rx.button(button, type="submit", id=f"{form_id}-submit"), justify="end", width="100%"),
            spacing="3",
        ),
        on_submit=handler, reset_on_submit=False, id=form_id,
    )


def create_dialog(state: Any) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New workflow"),
            rx.dialog.description("It starts with a Manual trigger; add steps from the palette.", size="2",
                                  margin_bottom="0.75rem"),
            _name_form(state, state.create, "Create", "create-form"),
            max_width="420px",
        ),
        open=state.dialog == "create", on_open_change=state.dialog_changed,
    )


def rename_dialog(state: Any) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename workflow"),
            rx.cond(state.dialog == "rename", _name_form(state, state.rename, "Rename", "rename-form")),
            max_width="420px",
        ),
        open=state.dialog == "rename", on_open_change=state.dialog_changed,
    )


def delete_dialog(state: Any) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete workflow?"),
            rx.alert_dialog.description(
                rx.text("“", state.target_name, "” will be deleted with its versions and executions. "
                        "This cannot be undone."), size="2"),
            rx.cond(
                state.open_runs > 0,
                rx.callout.root(
                    rx.callout.icon(rx.icon("triangle-alert")),
                    rx.callout.text(
                        rx.cond(state.open_runs == 1, "1 execution is", state.open_runs.to_string() + " executions are"),
                        " still running or waiting (for an approval, an event or a delay): deleting "
                        "cancels them, and their approval requests leave the approvers' inboxes."),
                    color_scheme="amber", size="1", margin_top="0.75rem", id="delete-open-runs"),
            ),
            _error(state),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete", color_scheme="red", on_click=state.delete, id="confirm-delete"),
                justify="end", spacing="3", margin_top="1rem",
            ),
            max_width="440px",
        ),
        open=state.dialog == "delete", on_open_change=state.dialog_changed,
    )


def _problems(state: Any) -> rx.Component:
    return rx.cond(
        state.problems.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(rx.text("This document cannot be imported:", weight="medium", size="2"),
                      rx.el.ul(rx.foreach(state.problems, lambda p: rx.el.li(rx.text(p, size="2"))),
                               style={"paddingLeft": "1.1rem", "margin": 0}),
                      spacing="1"),
            color_scheme="red", size="1", id="import-problems", max_height="220px", overflow_y="auto",
        ),
    )


def import_dialog(state: Any, upload_id: str) -> rx.Component:
    upload = rx.upload(
        rx.vstack(rx.icon("file-json", size=26, color=rx.color("gray", 9)),
                  rx.text("Drop a workflow .json file here, or click to choose one", size="2",
                          color_scheme="gray"),
                  align="center", spacing="2"),
        id=upload_id, multiple=False, accept={"application/json": [".json"]}, max_files=1,
        on_drop=state.import_file(rx.upload_files(upload_id=upload_id)),
        border=f"1px dashed {rx.color('gray', 7)}", border_radius="8px", padding="1.25rem", width="100%",
        cursor="pointer",
    )
    pasted = rx.vstack(
        rx.text_area(value=state.import_text, on_change=state.set_import_text, rows="9", width="100%",
                     placeholder='{"name": "…", "nodes": [...], "edges": [...]}', id="import-json",
                     font_family="monospace", font_size="12px"),
        rx.button("Import pasted JSON", on_click=state.import_pasted, id="import-pasted", align_self="end"),
        width="100%", spacing="2",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Import a workflow"),
            rx.dialog.description("A workflow document exported from Wayvo or the workflow-builder-template.",
                                  size="2", margin_bottom="0.75rem"),
            rx.vstack(upload, rx.text("or paste the JSON", size="1", color_scheme="gray", align_self="center"),
                      pasted, _problems(state), spacing="3", width="100%"),
            rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end",
                      margin_top="0.75rem"),
            max_width="560px",
        ),
        open=state.dialog == "import", on_open_change=state.dialog_changed,
    )
