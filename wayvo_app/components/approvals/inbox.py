"""Pieces of the approvals inbox: one row per request, the bulk bar, its confirmation and results,
and the empty states. Each takes the inbox state class, so the page module owns the state."""

from __future__ import annotations

import reflex as rx


def _meta(icon: str, text, **props) -> rx.Component:
    return rx.hstack(rx.icon(icon, size=13, flex_shrink="0"), rx.text(text, size="1", trim="both", **props),
                     spacing="1", align="center", min_width="0", color=rx.color("gray", 11))


def _status(row) -> rx.Component:
    mine = rx.cond(row["myDecision"] == "approved", "You approved ", "You rejected ") + row["decidedAgo"].to(str)
    return rx.hstack(
        rx.cond(row["myDecision"] != "",
                rx.badge(mine, color_scheme=rx.cond(row["myDecision"] == "approved", "green", "red"),
                         variant="outline", title=row["decidedAt"], class_name="my-decision")),
        rx.cond((row["status"] != "pending") | (row["myDecision"] == ""),
                rx.badge(row["status"], color_scheme=row["statusColor"], variant="soft")),
        spacing="2", wrap="wrap", justify="end",
    )


def _when(row) -> rx.Component:
    left = rx.cond(
        row["overdue"],
        rx.badge(rx.icon("alarm-clock-off", size=12), row["timeLeft"], color_scheme="red", variant="solid",
                 class_name="overdue"),
        rx.text(row["timeLeft"], size="1", color_scheme="gray"),
    )
    return rx.cond(row["timeLeft"] != "", rx.hstack(rx.icon("hourglass", size=12, color=rx.color("gray", 10)),
                                                     left, spacing="1", align="center"))


def _quick(state, row) -> rx.Component:
    """Approve / reject from the row (keys a / r on the focused row) and the preview toggle (p)."""
    decide = rx.cond(
        row["canDecide"],
        rx.hstack(
            rx.icon_button(rx.icon("check", size=14), size="1", color_scheme="green", variant="soft",
                           on_click=state.decide_one(row["id"], "approved"), disabled=state.busy,
                           aria_label="Approve " + row["title"].to(str), title="Approve (a)", class_name="row-approve"),
            rx.icon_button(rx.icon("x", size=14), size="1", color_scheme="red", variant="soft",
                           on_click=state.decide_one(row["id"], "rejected"), disabled=state.busy,
                           aria_label="Reject " + row["title"].to(str), title="Reject (r)", class_name="row-reject"),
            spacing="1"),
    )
    opened = state.preview_id == row["id"]
    preview = rx.icon_button(rx.icon(rx.cond(opened, "chevron-up", "eye"), size=14), size="1", variant="ghost",
                             color_scheme="gray", on_click=state.toggle_preview(row["id"]),
                             aria_label="Preview " + row["title"].to(str), aria_expanded=opened,
                             title="Preview (p)", class_name="row-preview")
    return rx.hstack(preview, decide, spacing="2", align="center")


def _context_line(item) -> rx.Component:
    return rx.hstack(rx.text(item["key"], size="1", weight="medium", color_scheme="gray", flex_shrink="0"),
                     rx.text(rx.cond(item["nested"], item["summary"], item["value"]), size="1",
                             word_break="break-word"), spacing="2", align="start")


def _preview(state, row) -> rx.Component:
    return rx.cond(
        state.preview_id == row["id"],
        rx.vstack(
            rx.cond(row["preview"] != "",
                    rx.box(rx.markdown(row["preview"].to(str), use_raw=False, use_math=False, use_katex=False),
                           font_size="var(--font-size-2)", overflow_wrap="anywhere", width="100%"),
                    rx.text("No description.", size="2", color_scheme="gray")),
            rx.cond(row["context"].to(list).length() > 0,
                    rx.vstack(rx.foreach(row["context"].to(list[dict]), _context_line), spacing="1", width="100%")),
            spacing="2", width="100%", padding="0.6rem 0.85rem", margin_top="0.6rem", border_radius="6px",
            background=rx.color("gray", 2), border=f"1px solid {rx.color('gray', 4)}", class_name="row-preview-body",
        ),
    )


def _row(state, row) -> rx.Component:
    pick = rx.cond(
        row["canDecide"],
        rx.checkbox(checked=state.selected.contains(row["id"]), on_change=lambda c: state.toggle(row["id"], c),
                    aria_label="Select " + row["title"].to(str), class_name="row-select", size="2"),
        rx.box(width="16px"),
    )
    main = rx.vstack(
        rx.link(row["title"], href=row["href"], weight="medium", size="3", high_contrast=True, underline="hover",
                word_break="break-word", class_name="row-title"),
        rx.flex(_meta("workflow", row["workflowName"]), _meta("user", "started by " + row["startedBy"].to(str)),
                _meta("clock", row["age"], title=row["createdAt"]),
                gap="0.3rem 1rem", wrap="wrap", align="center"),
        spacing="2", flex="1", min_width="0",
    )
    side = rx.flex(
        _status(row),
        rx.cond(row["progress"] != "", rx.text(row["progress"], size="1", weight="medium", class_name="progress")),
        _when(row),
        _quick(state, row),
        direction=rx.breakpoints(initial="row", sm="column"), align=rx.breakpoints(initial="center", sm="end"),
        wrap="wrap", gap="0.4rem 0.75rem", flex_shrink="0",
    )
    return rx.box(
        rx.flex(pick, rx.flex(main, side, direction=rx.breakpoints(initial="column", sm="row"), gap="0.6rem 1rem",
                              flex="1", min_width="0"),
                gap="0.75rem", align="start", width="100%"),
        _preview(state, row),
        padding="0.85rem 1rem", width="100%", class_name="inbox-row", tab_index=0,
        custom_attrs={"data-id": row["id"]},
        _focus={"outline": f"2px solid {rx.color('accent', 8)}", "outline_offset": "-2px"},
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.cond(row["overdue"], rx.color("red", 2), "transparent"),
        border_left=rx.cond(row["overdue"], f"3px solid {rx.color('red', 9)}", "3px solid transparent"),
        _hover={"background": rx.color("gray", 2)},
    )


def _empty(state) -> rx.Component:
    title = rx.cond(state.filtered, "No request matches these filters",
                    rx.match(state.tab, ("pending", "Nothing is waiting for you"),
                             ("decided", "You have not decided anything yet"), "No approval requests yet"))
    hint = rx.cond(state.filtered, "Clear the search or choose another workflow.",
                   rx.match(state.tab, ("pending", "New requests appear here as soon as a workflow asks you."),
                            ("decided", "Requests you approve or reject are listed here."),
                            "Requests you may decide, have decided, or that your workflows created appear here."))
    return rx.center(
        rx.vstack(rx.icon("inbox", size=32, color=rx.color("gray", 8)), rx.heading(title, size="3"),
                  rx.text(hint, color_scheme="gray", size="2", align="center"),
                  align="center", spacing="2"),
        padding="3rem 1rem", width="100%", id="inbox-empty",
    )


def inbox_list(state) -> rx.Component:
    return rx.card(
        rx.cond(state.visible_rows.length() > 0,
                rx.box(rx.foreach(state.visible_rows, lambda r: _row(state, r)), id="inbox-rows",
                       margin_bottom="-1px"),
                _empty(state)),
        width="100%", padding="0", overflow="hidden",
    )


def bulk_bar(state) -> rx.Component:
    count = state.selected.length()
    return rx.cond(
        state.decidable_ids.length() > 0,
        rx.flex(
            rx.hstack(rx.checkbox(checked=state.all_selected, on_change=state.toggle_all, id="select-all",
                                  aria_label="Select every request that you can decide"),
                      rx.text(rx.cond(count > 0, count.to_string() + " selected", "Select all"), size="2"),
                      align="center", spacing="2", flex_shrink="0"),
            rx.input(placeholder="Comment for the selected requests (optional)", value=state.bulk_comment,
                     on_change=state.set_bulk_comment, id="bulk-comment", min_width="12rem",
                     flex=rx.breakpoints(initial="1 1 100%", md="1"), order=rx.breakpoints(initial="3", md="0")),
            rx.hstack(
                rx.button(rx.icon("check", size=14), "Approve", color_scheme="green", disabled=count == 0,
                          on_click=state.ask_bulk("approved"), id="bulk-approve", loading=state.busy),
                rx.button(rx.icon("x", size=14), "Reject", color_scheme="red", variant="soft", disabled=count == 0,
                          on_click=state.ask_bulk("rejected"), id="bulk-reject", loading=state.busy),
                spacing="2", margin_left=rx.breakpoints(initial="auto", md="0")),
            gap="0.75rem", align="center", wrap="wrap", width="100%", padding="0.6rem 0.85rem",
            border_radius="8px", background=rx.color("accent", 2), border=f"1px solid {rx.color('accent', 5)}",
            id="bulk-bar",
        ),
    )


def bulk_confirm_dialog(state) -> rx.Component:
    approving = state.bulk_decision == "approved"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(approving, "Approve ", "Reject ") + state.selected.length().to_string()
                                  + rx.cond(state.selected.length() == 1, " request?", " requests?")),
            rx.alert_dialog.description(
                rx.cond(state.bulk_comment != "", "Comment: \u201c" + state.bulk_comment + "\u201d.",
                        "No comment."),
                " Each request is decided on its own; the results are listed afterwards.", size="2"),
            rx.flex(
                # Plain buttons, not alert_dialog.action: its auto-close would race the confirm event.
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=state.cancel_bulk),
                rx.button(rx.cond(approving, "Approve", "Reject"), color_scheme=rx.cond(approving, "green", "red"),
                          on_click=state.confirm_bulk, id="bulk-confirm"),
                gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="440px",
        ),
        open=state.bulk_decision != "", on_open_change=state.bulk_dialog_changed,
    )


def _result(item) -> rx.Component:
    return rx.hstack(
        rx.cond(item["ok"] != "", rx.icon("circle-check", size=14, color=rx.color("green", 10)),
                rx.icon("circle-alert", size=14, color=rx.color("red", 10))),
        rx.text(item["title"], weight="medium", size="2"), rx.text(item["message"], size="2", color_scheme="gray"),
        spacing="2", align="center", wrap="wrap", class_name="bulk-result",
    )


def bulk_results(state) -> rx.Component:
    return rx.cond(
        state.results.length() > 0,
        rx.flex(
            rx.vstack(rx.text("Decisions", weight="bold", size="2"),
                      rx.foreach(state.results, _result), spacing="1", min_width="0"),
            rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray", size="1",
                           on_click=state.clear_results, aria_label="Dismiss results"),
            justify="between", align="start", gap="0.5rem", width="100%", padding="0.75rem 1rem",
            border_radius="8px", background=rx.color("gray", 3), id="bulk-results", role="status",
        ),
    )
