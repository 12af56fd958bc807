"""The viewer's panels: header with actions, open waits, node details, timeline, execution values.
Each takes the viewer's state class `S` (one per embedded viewer).
"""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.values import (
    code_box,
    copy_button,
    execution_status_badge,
    status_badge,
    value_block,
)


def _meta(label: str, value) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2", weight="medium"),
                     spacing="0")


def _live_dot(S) -> rx.Component:
    return rx.cond(S.live, rx.hstack(rx.box(width="8px", height="8px", border_radius="50%",
                                            background=rx.color("green", 9), class_name="wv-live-dot"),
                                     rx.text("live", size="1", color_scheme="green"), spacing="1", align="center",
                                     id="viewer-live"))


def actions(S) -> rx.Component:
    info = S.info
    return rx.hstack(
        rx.link(rx.button(rx.icon("pencil", size=14), "Edit workflow", size="2", variant="soft", color_scheme="gray"),
                href=S.edit_href, id="viewer-edit-workflow"),
        rx.cond(info["open"], rx.button(rx.icon("circle-stop", size=14), "Cancel", color_scheme="red",
                                        variant="soft", size="2", on_click=S.ask("cancel"),
                                        loading=S.busy == "cancel", id="viewer-cancel")),
        rx.cond(info["failed"], rx.button(rx.icon("rotate-ccw", size=14), "Retry from failed step", size="2",
                                          variant="soft", on_click=S.retry("failed"),
                                          loading=S.busy == "failed", id="viewer-retry-failed")),
        rx.cond(~info["open"], rx.button(rx.icon("play", size=14), "Retry from start", size="2", variant="soft",
                                         color_scheme="gray", on_click=S.ask("start"),
                                         loading=S.busy == "start", id="viewer-retry-start")),
        confirm_dialog(S),
        spacing="2", wrap="wrap",
    )


def confirm_dialog(S) -> rx.Component:
    """Cancelling and running everything again cannot be undone: both ask first."""
    cancelling = S.confirming == "cancel"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(cancelling, "Cancel this execution?", "Retry from the start?")),
            rx.alert_dialog.description(
                rx.cond(cancelling,
                        "Running and waiting steps stop, open approvals and event waits close. This cannot be undone.",
                        "A new execution runs every step again with the same input, including steps that "
                        "already sent e-mails or called other systems."),
                size="2"),
            # Plain buttons: alert_dialog.action would close the dialog and race the event.
            rx.flex(rx.button("Keep it", variant="soft", color_scheme="gray", on_click=S.dismiss(False),
                              id="viewer-confirm-no"),
                    rx.button(rx.cond(cancelling, "Cancel execution", "Retry from start"),
                              color_scheme=rx.cond(cancelling, "red", "blue"), on_click=S.confirmed,
                              id="viewer-confirm-yes"),
                    gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="460px",
        ),
        open=S.confirming != "", on_open_change=S.dismiss,
    )


def _execution_error(info) -> rx.Component:
    cancelled = rx.callout(info["error"], icon="ban", color_scheme="gray", size="1", width="100%",
                           id="viewer-execution-error")
    failed = rx.callout(info["error"], icon="triangle-alert", color_scheme="red", size="1", width="100%",
                        id="viewer-execution-error")
    return rx.cond(info["error"] != "", rx.cond(info["status"] == "cancelled", cancelled, failed))


def header(S) -> rx.Component:
    info = S.info
    title = rx.hstack(
        rx.link(rx.heading(info["workflowName"], size="4"), href=routes.WORKFLOWS + "/" + info["workflowId"].to(str)
                + "/executions", underline="hover", color_scheme="gray", high_contrast=True),
        execution_status_badge(info["status"].to(str)), rx.badge(info["version"], variant="outline",
                                                                 color_scheme="gray"),
        _live_dot(S), spacing="2", align="center", wrap="wrap",
    )
    facts = rx.hstack(_meta("Trigger", info["triggerType"]), _meta("Started", info["startedText"]),
                      _meta("Duration", info["duration"]),
                      rx.cond(info["retryOf"] != "", _meta("Retry of", rx.link(
                          info["retryOf"].to(str)[:8], href=routes.EXECUTIONS + "/" + info["retryOf"].to(str)))),
                      rx.vstack(rx.text("Execution", size="1", color_scheme="gray"),
                                rx.hstack(rx.code(info["id"].to(str)[:8], size="1"), copy_button(info["id"], "Copy id"),
                                          spacing="1", align="center"), spacing="0"),
                      spacing="5", wrap="wrap")
    return rx.vstack(rx.hstack(title, rx.spacer(), actions(S), width="100%", align="center", wrap="wrap",
                               spacing="3"),
                     facts, _execution_error(info),
                     spacing="3", width="100%")


def _wait_card(wait) -> rx.Component:
    approval = rx.hstack(
        rx.icon("user-check", size=16, color=rx.color("amber", 10)),
        rx.vstack(rx.text("Waiting for approval: ", rx.text.strong(wait["title"]), size="2"),
                  rx.text("Node ", wait["node"], rx.cond(wait["approvers"] != "", " · approvers: " + wait["approvers"].to(str), ""),
                          rx.cond(wait["expiresAt"] != "", " · expires " + wait["expiresAt"].to(str), ""),
                          size="1", color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.link(rx.button("Open approval", rx.icon("external-link", size=14), size="1", variant="soft"),
                href=wait["link"]),
        align="center", width="100%",
    )
    event = rx.vstack(
        rx.hstack(rx.icon("radio-tower", size=16, color=rx.color("amber", 10)),
                  rx.text("Waiting for event ", rx.code(wait["namespace"]), " / ", rx.code(wait["key"]), size="2",
                          class_name="wv-wait-event"),
                  rx.cond(wait["expiresAt"] != "", rx.text("expires " + wait["expiresAt"].to(str), size="1",
                                                           color_scheme="gray")),
                  align="center", wrap="wrap"),
        rx.hstack(code_box(wait["curl"], class_name="wv-curl"), copy_button(wait["curl"], "Copy curl"),
                  width="100%", align="start"),
        spacing="2", width="100%",
    )
    other = rx.hstack(rx.icon("alarm-clock", size=16, color=rx.color("amber", 10)),
                      rx.text(rx.cond(wait["kind"] == "sleep", "Sleeping until " + wait["until"].to(str),
                                      "Waiting for a child workflow"), " (", wait["node"], ")", size="2"),
                      align="center")
    body = rx.match(wait["kind"], ("approval", approval), ("event", event), other)
    return rx.card(body, width="100%", size="1", variant="surface")


def waits_panel(S) -> rx.Component:
    return rx.cond(S.open_waits.length() > 0,
                   rx.vstack(rx.foreach(S.open_waits, _wait_card), spacing="2", width="100%", id="viewer-waits"))


def _attempt(step) -> rx.Component:
    step_logs = step["logs"].to(list[dict[str, str]])
    logs = rx.cond(step_logs.length() > 0, rx.vstack(
        rx.text("LOGS", size="1", weight="bold", color_scheme="gray", letter_spacing="0.04em"),
        rx.foreach(step_logs, lambda log: rx.hstack(
            rx.text(log["time"], size="1", color_scheme="gray", white_space="nowrap"),
            rx.badge(log["level"], color_scheme=log["color"], size="1", variant="soft"),
            rx.text(log["message"], size="1", style={"word_break": "break-word"}), align="start", spacing="2")),
        spacing="1", width="100%"))
    return rx.card(rx.vstack(
        rx.hstack(rx.text("Attempt ", step["attempt"], weight="bold", size="2"),
                  status_badge(step["status"], step["color"]), rx.spacer(),
                  rx.text(step["duration"], size="1", color_scheme="gray"), align="center", width="100%"),
        rx.text(step["started"], " → ", step["completed"], size="1", color_scheme="gray"),
        rx.cond(step["error"] != "", rx.callout(step["error"], icon="circle-alert", color_scheme="red", size="1",
                                                width="100%", class_name="wv-step-error")),
        value_block("Input", step["input"]), value_block("Output", step["output"]), logs,
        spacing="2", width="100%"), width="100%", size="1", class_name="wv-attempt")


def details_panel(S) -> rx.Component:
    meta = S.selected_meta
    body = rx.cond(S.selected_steps.length() > 0, rx.vstack(rx.foreach(S.selected_steps, _attempt), spacing="2",
                                                            width="100%"),
                   rx.text("This node has not run in this execution.", size="2", color_scheme="gray"))
    return rx.vstack(
        rx.hstack(rx.vstack(rx.heading(meta["name"], size="3"),
                            rx.text(meta["type"], " · ", meta["status"], size="1", color_scheme="gray"), spacing="0"),
                  rx.spacer(), rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray",
                                              aria_label="Close details", on_click=S.clear_selection),
                  width="100%", align="start"),
        rx.text(S.selected_steps.length(), " attempt(s)", size="1", color_scheme="gray", id="viewer-attempt-count"),
        body,
        spacing="2", width="100%", padding="0.75rem", id="viewer-details",
    )


def _timeline_row(S, row) -> rx.Component:
    bar = rx.box(
        rx.box(position="absolute", left=row["barLeft"], width=row["barWidth"], top="3px", bottom="3px",
               border_radius="3px", background=rx.match(row["status"], ("success", rx.color("green", 8)),
                                                        ("error", rx.color("red", 8)),
                                                        ("running", rx.color("blue", 8)),
                                                        ("paused", rx.color("amber", 8)), rx.color("gray", 6))),
        rx.box(position="absolute", left=row["waitLeft"], width=row["waitWidth"], top="3px", bottom="3px",
               border_radius="3px", opacity="0.55",
               background=f"repeating-linear-gradient(45deg, {rx.color('amber', 7)} 0 4px, "
                          f"{rx.color('amber', 4)} 4px 8px)"),
        position="relative", height="18px", width="100%", min_width="120px", background=rx.color("gray", 3),
        border_radius="4px",
    )
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.link(row["label"], on_click=S.select_node_id(row["nodeId"]), cursor="pointer",
                                        weight="medium", size="2"),
                                rx.text(row["action"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(status_badge(row["status"], rx.match(row["status"], ("success", "green"), ("error", "red"),
                                                           ("running", "blue"), ("paused", "amber"), "gray"))),
        rx.table.cell(rx.text(row["start"], size="1", font_family="monospace")),
        rx.table.cell(rx.text(row["duration"], size="1")),
        rx.table.cell(rx.text(row["attempts"], size="1")),
        rx.table.cell(rx.text(row["waited"], size="1", color=rx.color("amber", 12))),
        rx.table.cell(bar, width="30%"),
        class_name="wv-timeline-row", data_node=row["nodeId"],
    )


def timeline_panel(S) -> rx.Component:
    head = rx.table.header(rx.table.row(*[rx.table.column_header_cell(t) for t in (
        "Step", "Status", "Start (UTC)", "Duration", "Attempts", "Waiting", "Timeline")]))
    return rx.cond(S.timeline.length() > 0,
                   rx.table.root(head, rx.table.body(rx.foreach(S.timeline, lambda row: _timeline_row(S, row))),
                                 size="1", variant="ghost", width="100%", id="viewer-timeline"),
                   rx.text("No step has run yet.", size="2", color_scheme="gray"))


def values_panel(S) -> rx.Component:
    info = S.info
    return rx.grid(
        rx.box(value_block("Execution input", info["input"], empty="no input", collapse=False), id="viewer-input"),
        rx.box(value_block("Execution output", info["output"], empty="no output yet",
                                    collapse=False), id="viewer-output"),
        columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
    )
