"""The workflows page's table: name, trigger type, status, the Active/Off switch, last execution,
updated, and each row's actions menu; plus the search and sort toolbar above it."""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.values import execution_status_badge

SORT_OPTIONS = [("updated", "Recently edited"), ("name", "Name (A–Z)"), ("created", "Newest first"),
                ("lastRun", "Last run")]
TRIGGER_ICONS = {"Manual": "mouse-pointer-click", "Webhook": "webhook", "Schedule": "clock",
                 "DataSource": "database"}
_WIDE_ONLY = rx.breakpoints(initial="none", md="table-cell")
_NOT_PHONE = rx.breakpoints(initial="none", sm="table-cell")
_HIDDEN = {"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
           "clip": "rect(0 0 0 0)", "whiteSpace": "nowrap"}  # for screen readers only


def toolbar(state: Any) -> rx.Component:
    search = rx.input(
        rx.input.slot(rx.icon("search", size=14)),
        value=state.search, on_change=state.set_search, debounce_timeout=300,
        placeholder="Search by name", type="search", id="workflow-search", aria_label="Search workflows by name",
        max_length=200, width=rx.breakpoints(initial="100%", sm="18rem"),
    )
    sort = rx.select.root(
        rx.select.trigger(id="workflow-sort", aria_label="Sort workflows"),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in SORT_OPTIONS]),
        value=state.sort, on_change=state.set_sort,
    )
    return rx.hstack(search, rx.hstack(rx.text("Sort", size="2", color_scheme="gray"), sort, align="center",
                                       spacing="2"),
                     spacing="3", align="center", wrap="wrap", width="100%")


def _actions_menu(state: Any, row: Any) -> rx.Component:
    item = rx.menu.item
    return rx.menu.root(
        rx.menu.trigger(rx.icon_button(rx.icon("ellipsis", size=16), variant="ghost", color_scheme="gray",
                                       aria_label="Workflow actions", class_name="wf-actions")),
        rx.menu.content(
            item(rx.icon("pencil", size=14), "Edit", on_click=rx.redirect(routes.workflow(row["id"]))),
            item(rx.icon("text-cursor-input", size=14), "Rename",
                 on_click=state.open_rename(row["id"], row["name"]), class_name="wf-rename"),
            item(rx.icon("copy", size=14), "Duplicate", on_click=state.duplicate(row["id"]),
                 class_name="wf-duplicate"),
            item(rx.icon("download", size=14), "Export JSON", on_click=state.export(row["id"]),
                 class_name="wf-export"),
            item(rx.icon("history", size=14), "Executions",
                 on_click=rx.redirect(routes.workflow_executions(row["id"]))),
            rx.menu.separator(),
            item(rx.icon("trash-2", size=14), "Delete…", color="red",
                 on_click=state.open_delete(row["id"], row["name"]), class_name="wf-delete"),
        ),
    )


def _last_execution(row: Any) -> rx.Component:
    return rx.cond(
        row["lastStatus"] != "",
        rx.hstack(execution_status_badge(row["lastStatus"]),
                  rx.link(rx.text(row["lastAt"], size="1"),
                          href=routes.workflow_executions(row["id"]), color_scheme="gray"),
                  spacing="2", align="center", wrap="wrap"),
        rx.text("never run", size="2", color_scheme="gray"),
    )


def _trigger(row: Any) -> rx.Component:
    kind = row["triggerType"].to(str)
    icon = rx.match(kind, *[(k, rx.icon(v, size=14)) for k, v in TRIGGER_ICONS.items()], rx.icon("zap", size=14))
    return rx.hstack(icon, rx.text(kind, size="2"), spacing="1", align="center", class_name="wf-trigger",
                     color=rx.color("gray", 11))


def _active_switch(state: Any, row: Any) -> rx.Component:
    active = row["active"].to(bool)
    return rx.tooltip(
        rx.hstack(
            rx.switch(checked=active, on_change=lambda on: state.set_active(row["id"], on),
                      disabled=~state.can_edit, class_name="wf-active",
                      aria_label=rx.cond(active, "Active: switch off ", "Off: switch on ") + row["name"].to(str)),
            rx.text(rx.cond(active, "Active", "Off"), size="1", color_scheme=rx.cond(active, "green", "gray"),
                    weight="medium"),
            spacing="2", align="center",
        ),
        content=rx.cond(active, "Runs, schedules and webhooks start it. Switch off to stop them.",
                        "Off: schedules and webhooks stop and runs are refused. Running executions go on."),
    )


def _row(state: Any, row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(rx.text(row["name"], weight="medium"), href=routes.workflow(row["id"]),
                                         class_name="wf-open")),
        rx.table.cell(_trigger(row)),
        rx.table.cell(rx.badge(row["status"], color_scheme=row["statusColor"], variant="soft"), display=_NOT_PHONE),
        rx.table.cell(_active_switch(state, row)),
        rx.table.cell(_last_execution(row)),
        rx.table.cell(rx.text(row["updatedAt"], size="2", color_scheme="gray"), display=_WIDE_ONLY),
        rx.table.cell(_actions_menu(state, row), text_align="right"),
        class_name="wf-row", custom_attrs={"data-id": row["id"], "data-name": row["name"],
                                           "data-active": rx.cond(row["active"].to(bool), "true", "false")},
        align="center",
    )


def table(state: Any) -> rx.Component:
    head = rx.table.column_header_cell
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(
                head("Name"), head("Trigger"), head("Status", display=_NOT_PHONE), head("Active"), head("Last execution"),
                head("Updated", display=_WIDE_ONLY), head(rx.el.span("Actions", style=_HIDDEN)),
            )),
            rx.table.body(rx.foreach(state.rows, lambda row: _row(state, row))),
            width="100%", variant="surface",
        ),
        width="100%", overflow_x="auto",
    )


def no_match(state: Any) -> rx.Component:
    return rx.card(
        rx.vstack(rx.icon("search-x", size=28, color=rx.color("gray", 9)),
                  rx.text("No workflow in this workspace matches “", state.search, "”.", color_scheme="gray",
                          align="center"),
                  rx.button("Clear the search", variant="soft", on_click=state.set_search(""), id="clear-search"),
                  align="center", spacing="3", padding="1.5rem"),
        width="100%", id="no-match",
    )
