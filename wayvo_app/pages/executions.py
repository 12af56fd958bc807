"""/workflows/executions (the current workspace's executions) and /workflows/[id]/executions (one
workflow's): filters kept in the URL, search, who started each run and where it came from, bulk
cancel and retry, relative times in the browser's time zone, live while open.
"""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame
from wayvo_app.components.values import execution_status_badge
from wayvo_app.core.origins import ORIGIN_LABELS
from wayvo_app.pages.executions_state import ExecutionsState
from wayvo_app.services.execution_lists import EXECUTION_STATUSES

__all__ = ["ExecutionsState", "executions_page"]

WIDE = rx.breakpoints(initial="none", md="table-cell")  # columns a phone leaves out (the viewer has them)
NARROW = rx.breakpoints(initial="block", md="none")  # on a phone, what waits or failed goes under the name
RANGE_LABELS = [("all", "Any time"), ("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"),
                ("30d", "Last 30 days"), ("custom", "Between dates…")]


def _select(name: str, value, items: list[tuple[str, str]], label: str, trigger_id: str,
            more: rx.Component | None = None) -> rx.Component:
    body = [rx.select.item(text, value=key) for key, text in items]
    return rx.select.root(rx.select.trigger(aria_label=label, min_width="140px", id=trigger_id),
                          rx.select.content(*body, *([more] if more is not None else [])), value=value,
                          on_change=lambda v: ExecutionsState.set_filter(name, v), size="2")


def _filters() -> rx.Component:
    S = ExecutionsState
    statuses = [("all", "All statuses")] + [(s, s.capitalize()) for s in EXECUTION_STATUSES]
    origins = [("all", "Any origin")] + list(ORIGIN_LABELS.items())
    workflows = _select("workflow_filter", S.workflow_filter, [("all", "All workflows")], "Workflow",
                        "filter-workflow", rx.foreach(S.workflows, lambda w: rx.select.item(w["name"], value=w["id"])))
    starters = _select("started_by_filter", S.started_by_filter, [("all", "Anyone")], "Started by",
                       "filter-started-by", rx.foreach(S.starters, lambda u: rx.select.item(
                           u["displayName"], value=u["userName"])))
    custom = rx.cond(S.range_filter == "custom", rx.hstack(
        rx.input(type="date", value=S.date_from, aria_label="From",
                 on_change=lambda v: S.set_filter("date_from", v), size="2"),
        rx.text("to", size="2", color_scheme="gray"),
        rx.input(type="date", value=S.date_to, aria_label="To", on_change=lambda v: S.set_filter("date_to", v),
                 size="2"),
        rx.cond(S.range_error != "", rx.text(S.range_error, size="2", color=rx.color("red", 11), role="alert",
                                            id="range-error")),
        align="center", spacing="2", wrap="wrap"))
    search = rx.input(rx.input.slot(rx.icon("search", size=14)), value=S.search, debounce_timeout=400,
                      on_change=lambda v: S.set_filter("search", v), placeholder="Search id, input or error",
                      aria_label="Search executions", id="filter-search", size="2", min_width="220px",
                      type="search")
    return rx.hstack(
        search,
        _select("status_filter", S.status_filter, statuses, "Status", "filter-status"),
        rx.cond(S.scope_id == "", workflows),
        rx.cond(S.starters.length() > 0, starters),
        _select("origin_filter", S.origin_filter, origins, "Origin", "filter-origin"),
        _select("range_filter", S.range_filter, RANGE_LABELS, "Time range", "filter-range"),
        custom, rx.spacer(),
        rx.cond(S.live, rx.badge(rx.icon("radio", size=12), "Live", color_scheme="green", variant="soft",
                                 id="live-badge", title="New runs and changes appear by themselves")),
        rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", color_scheme="gray", size="2",
                  on_click=S.refresh),
        spacing="2", width="100%", wrap="wrap", align="center",
    )


def _origin(row) -> rx.Component:
    short = lambda key: row[key].to(str)[:8]  # noqa: E731
    return rx.cond(
        row["retryOf"] != "",
        rx.link(row["originLabel"], " of ", short("retryOf"), href=routes.EXECUTIONS + "/" + row["retryOf"].to(str),
                size="2"),
        rx.cond(row["parentId"] != "",
                rx.link(row["originLabel"], " ", short("parentId"),
                        href=routes.EXECUTIONS + "/" + row["parentId"].to(str), size="2"),
                rx.text(row["originLabel"], size="2")))


def _started(row) -> rx.Component:
    """"3 minutes ago" in the browser (kept current), the exact time in its time zone on hover."""
    return rx.moment(row["startedIso"].to(str), from_now=True, with_title=True,
                     title_format="YYYY-MM-DD HH:mm:ss [UTC]Z", interval=30000, white_space="nowrap",
                     class_name="wv-started")


def _row(row) -> rx.Component:
    S = ExecutionsState
    href = routes.EXECUTIONS + "/" + row["id"].to(str)
    error_color = rx.cond(row["status"] == "error", rx.color("red", 11), rx.color("gray", 11))
    detail = rx.cond(row["waitingFor"] != "", rx.text(row["waitingFor"], size="1", color=rx.color("amber", 12)),
                     rx.text(row["error"], size="1", color=error_color, title=row["errorFull"]))
    pick = rx.checkbox(checked=S.selected.contains(row["id"]), on_change=lambda _v: S.toggle_row(row["id"]),
                       aria_label="Select execution " + row["id"].to(str)[:8], class_name="wv-pick")
    return rx.table.row(
        rx.cond(S.may_operate, rx.table.cell(pick)),
        rx.table.cell(execution_status_badge(row["status"].to(str))),
        rx.table.row_header_cell(rx.vstack(
            rx.link(row["workflowName"], href=href, weight="medium", size="2"),
            rx.text(row["id"].to(str)[:8], size="1", color_scheme="gray", font_family="monospace"),
            rx.box(detail, display=NARROW), spacing="0")),
        rx.cond(S.may_operate, rx.table.cell(rx.text(row["startedBy"], size="2"), class_name="wv-started-by",
                                             display=WIDE)),
        rx.table.cell(_origin(row), class_name="wv-origin", display=WIDE),
        rx.table.cell(rx.text(_started(row), size="2")),
        rx.table.cell(rx.text(row["duration"], size="2", white_space="nowrap"), display=WIDE),
        rx.table.cell(detail, max_width="320px", display=WIDE),
        class_name="wv-execution-row", data_status=row["status"], data_id=row["id"],
    )


def _cancel_confirm() -> rx.Component:
    """Cancelling stops runs for good: asked once more, naming how many."""
    S = ExecutionsState
    trigger = rx.button(rx.icon("circle-stop", size=14), "Cancel selected", size="2", color_scheme="red",
                        variant="soft", loading=S.busy == "cancel", disabled=S.busy != "", id="bulk-cancel")
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel ", S.selected.length(), " executions?"),
            rx.alert_dialog.description("Running and paused ones stop at once: open steps, approvals and waits are "
                                        "cancelled. Finished ones and those your role may not cancel are left as "
                                        "they are.", size="2"),
            rx.flex(rx.alert_dialog.cancel(rx.button("Keep them", variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(rx.button("Cancel executions", color_scheme="red",
                                                     on_click=S.bulk("cancel"), id="confirm-bulk-cancel")),
                    gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="440px"))


def _bulk_bar() -> rx.Component:
    S = ExecutionsState
    count = rx.text(S.selected.length(), " selected", size="2", weight="medium")
    actions = rx.hstack(
        count,
        _cancel_confirm(),
        rx.button(rx.icon("rotate-ccw", size=14), "Retry selected", size="2", variant="soft",
                  loading=S.busy == "retry", disabled=S.busy != "", on_click=S.bulk("retry"), id="bulk-retry"),
        rx.button("Clear selection", size="2", variant="ghost", color_scheme="gray", on_click=S.clear_selection),
        spacing="3", align="center", wrap="wrap")
    summary = rx.callout(S.bulk_message, icon="info", size="1", id="bulk-result", role="status")
    return rx.cond((S.selected.length() > 0) | (S.bulk_message != ""),
                   rx.vstack(rx.cond(S.selected.length() > 0, actions), rx.cond(S.bulk_message != "", summary),
                             spacing="2", width="100%"))


def _table() -> rx.Component:
    S = ExecutionsState
    pick_all = rx.checkbox(checked=S.all_selected, on_change=S.toggle_page, aria_label="Select all on this page",
                           id="select-page")
    head = rx.table.header(rx.table.row(
        rx.cond(S.may_operate, rx.table.column_header_cell(pick_all, width="36px")),
        rx.table.column_header_cell("Status"), rx.table.column_header_cell("Workflow"),
        rx.cond(S.may_operate, rx.table.column_header_cell("Started by", display=WIDE)),
        rx.table.column_header_cell("Origin", display=WIDE),
        rx.table.column_header_cell("Started", title=S.time_zone),
        rx.table.column_header_cell("Duration", display=WIDE),
        rx.table.column_header_cell("Waiting for / error", display=WIDE)))
    pager = rx.hstack(
        rx.text(S.total, rx.cond(S.total == 1, " execution", " executions"), " · page ", S.page, " of ", S.pages,
                size="2", color_scheme="gray", id="executions-count"),
        rx.cond(S.time_zone != "", rx.text("· times in ", S.time_zone, size="2", color_scheme="gray",
                                            id="time-zone")),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), "Newer", size="1", variant="soft", disabled=S.page <= 1,
                  on_click=S.go(-1), id="page-newer"),
        rx.button("Older", rx.icon("chevron-right", size=14), size="1", variant="soft",
                  disabled=S.page >= S.pages, on_click=S.go(1), id="page-older"),
        width="100%", align="center", wrap="wrap",
    )
    table = rx.table.root(head, rx.table.body(rx.foreach(S.rows, _row)), width="100%", variant="surface")
    return rx.vstack(rx.box(table, width="100%", overflow_x="auto"), pager, spacing="3", width="100%")


def _empty() -> rx.Component:
    S = ExecutionsState
    filtered = rx.vstack(
        rx.heading("No executions match", size="4"),
        rx.text("Nothing matches these filters.", color_scheme="gray", align="center"),
        rx.button("Clear filters", variant="soft", size="2", on_click=S.clear_filters, id="clear-filters"),
        align="center", spacing="2")
    none_yet = rx.vstack(
        rx.heading("No executions yet", size="4"),
        rx.text("Executions appear here when a workflow runs: Run in the builder, a call to the API, a webhook "
                "or a schedule.", color_scheme="gray", align="center"),
        rx.link(rx.button(rx.icon("workflow", size=14), "Go to workflows", variant="soft", size="2"),
                href=routes.WORKFLOWS),
        align="center", spacing="2")
    return rx.card(rx.vstack(
        rx.icon("history", size=32, color=rx.color("gray", 9)),
        rx.cond(S.filtered, filtered, none_yet),
        align="center", spacing="2", padding="2rem"), width="100%", id="executions-empty")


def executions_page() -> rx.Component:
    S = ExecutionsState
    content = rx.match(
        S.phase,
        ("loading", rx.center(rx.vstack(rx.spinner(size="3"), rx.text("Loading executions…", size="2",
                                                                      color_scheme="gray"), align="center"),
                              padding="3rem", width="100%", id="executions-loading")),
        ("error", rx.callout(S.message, icon="triangle-alert", color_scheme="red", width="100%",
                             id="executions-error")),
        rx.cond(S.rows.length() > 0, _table(), _empty()),
    )
    title = rx.cond(S.scope_name != "", rx.text("Runs of the workflow ", rx.text.strong(S.scope_name), "."),
                    rx.cond(S.may_operate,
                            rx.text("Every run in ", rx.text.strong(S.workspace_name), ", newest first."),
                            rx.text("The runs you started in ", rx.text.strong(S.workspace_name), ", newest first.")))
    back = rx.cond(S.scope_id != "", rx.link(rx.button(rx.icon("list", size=14), "All executions", size="2",
                                                       variant="soft", color_scheme="gray"),
                                             href=routes.EXECUTIONS))
    return page_frame("Executions", rx.box(title, color=rx.color("gray", 11), font_size="14px"),
                      _filters(), _bulk_bar(),
                      rx.box(content, width="100%", id="executions-list", data_phase=S.phase,
                             on_unmount=S.leave), actions=back)
