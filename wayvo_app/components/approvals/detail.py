"""Cards of the approval page: summary with the Markdown description, the decision panel and its
confirmation, details, context data, previous decisions and the not-found state."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes

CARD = {"width": "100%", "size": "2"}


def _section(title: str, *children, **props) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, size="3"), *children, spacing="3", width="100%"), **CARD, **props)


def summary_card(s) -> rx.Component:
    v = s.view
    # Markdown from workflow authors (possibly with user data in it): no raw HTML, no math plugins;
    # react-markdown escapes HTML and drops javascript: links by default.
    description = rx.box(
        rx.markdown(s.description, use_raw=False, use_math=False, use_katex=False),
        class_name="approval-description", width="100%", overflow_wrap="anywhere",
        font_size="0.95rem", line_height="1.55",
    )
    return rx.card(
        rx.vstack(
            rx.hstack(rx.badge(v["status"], color_scheme=v["statusColor"], variant="soft", size="2", id="approval-status"),
                      rx.cond(v["progress"] != "", rx.badge(v["progress"], variant="outline", size="2",
                                                            id="approval-progress")),
                      rx.cond(v["overdue"], rx.badge("Overdue", color_scheme="red", variant="solid", size="2")),
                      spacing="2", wrap="wrap"),
            rx.heading(v["title"], size=rx.breakpoints(initial="5", sm="6"), id="approval-title",
                       word_break="break-word"),
            rx.flex(
                rx.text("Workflow ", rx.text.strong(v["workflowName"]), size="2", color_scheme="gray"),
                rx.text("Started by ", rx.text.strong(v["startedBy"]), size="2", color_scheme="gray"),
                rx.text("Requested ", v["age"], size="2", color_scheme="gray", title=v["createdAt"]),
                gap="0.25rem 1.25rem", wrap="wrap"),
            rx.cond(s.description != "", rx.box(rx.separator(size="4"), description, width="100%")),
            spacing="3", width="100%",
        ),
        **CARD,
    )


def _message(s) -> rx.Component:
    return rx.cond(
        s.message != "",
        rx.callout(s.message, id="approval-message", role="status", width="100%",
                   icon=rx.match(s.message_kind, ("success", "circle-check"), ("conflict", "info"), "triangle-alert"),
                   color_scheme=rx.match(s.message_kind, ("success", "green"), ("conflict", "amber"), "red")),
    )


def decide_card(s) -> rx.Component:
    v = s.view
    form = rx.vstack(
        rx.text("Comment (optional)", size="2", weight="medium", as_="label", html_for="decision-comment"),
        rx.text_area(value=s.comment, on_change=s.set_comment, id="decision-comment", rows="3", width="100%",
                     placeholder="Why you approve or reject; the workflow and other approvers see it."),
        rx.flex(
            rx.button(rx.icon("check", size=16), "Approve", color_scheme="green", size="3", id="approve",
                      on_click=s.ask("approved"), loading=s.busy, flex=rx.breakpoints(initial="1", sm="0")),
            rx.button(rx.icon("x", size=16), "Reject", color_scheme="red", variant="soft", size="3", id="reject",
                      on_click=s.ask("rejected"), loading=s.busy, flex=rx.breakpoints(initial="1", sm="0")),
            gap="0.75rem", width="100%"),
        rx.button(rx.icon("skip-forward", size=14), "Approve & next", variant="outline", color_scheme="green",
                  size="2", id="approve-next", on_click=s.ask_then_next("approved"), loading=s.busy, width="100%",
                  title="Approve, then open the next request waiting for you"),
        spacing="2", width="100%",
    )
    notice = rx.callout(v["notice"], icon="info", color_scheme="gray", width="100%", id="approval-notice")
    return rx.card(
        rx.vstack(rx.heading("Your decision", size="3"), _message(s),
                  rx.cond(v["canDecide"], form, rx.cond(s.message_kind != "success", notice)),
                  spacing="3", width="100%"),
        **CARD, id="decide-card",
    )


def confirm_dialog(s) -> rx.Component:
    approving = s.confirming == "approved"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(approving, "Approve this request?", "Reject this request?")),
            rx.alert_dialog.description(
                rx.vstack(
                    rx.text(s.view["title"], weight="medium", word_break="break-word"),
                    rx.cond(s.comment != "", rx.text("Comment: \u201c", s.comment, "\u201d", size="2"),
                            rx.text("No comment.", size="2", color_scheme="gray")),
                    rx.text("This cannot be undone.",
                            rx.cond(s.then_next, " Then the next request waiting for you opens.", ""),
                            size="2", color_scheme="gray"),
                    spacing="2"),
            ),
            # Plain buttons: alert_dialog.action would close the dialog and race the confirm event.
            rx.flex(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=s.cancel, id="confirm-cancel"),
                    rx.button(rx.cond(approving, "Approve", "Reject"), color_scheme=rx.cond(approving, "green", "red"),
                              on_click=s.confirm, id="confirm-decision"),
                    gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="440px",
        ),
        open=s.confirming != "", on_open_change=s.dialog_changed,
    )


def _item(label: str, value: rx.Component, item_id: str = "") -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="7.5rem"),
                             rx.data_list.value(value, id=item_id or None, word_break="break-word"))


def details_card(s) -> rx.Component:
    v = s.view
    execution = rx.cond(
        v["canViewExecution"],
        rx.link(rx.code(v["executionId"], variant="ghost"), href=routes.EXECUTIONS + "/" + v["executionId"].to(str),
                id="execution-link"),
        rx.code(v["executionId"], variant="ghost"),
    )
    expiry = rx.hstack(rx.text(v["expiresAt"]),
                       rx.cond(v["timeLeft"] != "", rx.text("(", v["timeLeft"], ")",
                                                            color=rx.cond(v["overdue"], rx.color("red", 11),
                                                                          rx.color("gray", 11)))),
                       spacing="2", wrap="wrap")
    return _section(
        "Details",
        rx.data_list.root(
            _item("Approval type", rx.text(v["approvalType"])),
            _item("Still needed", rx.text(v["needed"]), "still-needed"),
            _item("Approvers", rx.text(v["approvers"])),
            rx.cond(v["roles"] != "", _item("Approver roles", rx.text(v["roles"]))),
            _item("Expires", expiry),
            _item("Workflow", rx.text(v["workflowName"])),
            _item("Execution", execution),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"), size="2", width="100%",
        ),
    )


def _context_value(item) -> rx.Component:
    nested = rx.el.details(
        rx.el.summary(rx.text(item["summary"], size="2", as_="span"), rx.text(" · show JSON", size="2", as_="span",
                                                                             color_scheme="gray"),
                      cursor="pointer", color=rx.color("accent", 11)),
        rx.el.pre(item["value"], white_space="pre-wrap", word_break="break-word", font_size="0.8rem",
                  font_family="var(--code-font-family)", margin_top="0.4rem", padding="0.6rem 0.75rem",
                  border_radius="6px", background=rx.color("gray", 3), max_height="20rem", overflow="auto"),
        width="100%", class_name="context-nested",
    )
    return rx.cond(item["nested"], nested, rx.text(item["value"], white_space="pre-wrap", word_break="break-word"))


def context_card(s) -> rx.Component:
    rows = rx.data_list.root(
        rx.foreach(s.context, lambda item: rx.data_list.item(
            rx.data_list.label(item["key"], min_width="9rem", word_break="break-word"),
            rx.data_list.value(_context_value(item), width="100%", min_width="0"))),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"), size="2", width="100%", id="context-data",
    )
    return rx.cond(s.context.length() > 0, _section("Context", rows))


def _decision(d) -> rx.Component:
    return rx.hstack(
        rx.avatar(fallback=d["userName"].to(str)[:2], size="2", radius="full",
                  color_scheme=d["color"], variant="soft"),
        rx.vstack(
            rx.flex(rx.text(d["who"], weight="bold", size="2", title=d["userName"]),
                    rx.badge(d["decision"], color_scheme=d["color"], variant="soft"),
                    rx.text(d["when"], size="1", color_scheme="gray", title=d["at"]),
                    gap="0.5rem", align="center", wrap="wrap"),
            rx.cond(d["comment"] != "", rx.text(d["comment"], size="2", white_space="pre-wrap",
                                                word_break="break-word", class_name="decision-comment")),
            spacing="1", min_width="0"),
        spacing="3", align="start", width="100%", class_name="decision",
    )


def decisions_card(s) -> rx.Component:
    return _section(
        "Decisions",
        rx.cond(s.decisions.length() > 0,
                rx.vstack(rx.foreach(s.decisions, _decision), spacing="3", width="100%", id="decisions"),
                rx.text("No decisions yet.", color_scheme="gray", size="2", id="no-decisions")),
    )


def not_found() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("search-x", size=36, color=rx.color("gray", 9)),
            rx.heading("Approval request not found", size="4", id="approval-not-found"),
            rx.text("It does not exist, or you do not have access to it.", color_scheme="gray", align="center"),
            rx.link("Back to the approvals inbox", href=routes.APPROVALS),
            align="center", spacing="3", padding="2.5rem 1rem",
        ),
        width="100%",
    )
