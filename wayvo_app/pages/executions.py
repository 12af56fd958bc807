"""/workflows/executions (all the user's executions) and /workflows/[id]/executions (one workflow's):
filters by status, workflow and time range, paged, newest first.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame
from wayvo_app.components.values import execution_status_badge
from wayvo_app.services.execution_lists import EXECUTION_STATUSES, ExecutionFilter, page_of_executions
from wayvo_app.state import AuthState

PAGE_SIZE = 20
RANGES = {"all": None, "1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7),
          "30d": timedelta(days=30)}
RANGE_LABELS = [("all", "Any time"), ("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"),
                ("30d", "Last 30 days"), ("custom", "Between dates…")]


def _day(text: str, end: bool = False) -> datetime | None:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return day + timedelta(days=1) if end else day


def _query(user_id: str, flt: ExecutionFilter, page: int) -> tuple[dict, list[dict]]:
    result, choices = page_of_executions(user_id, flt, page, PAGE_SIZE)
    return {"rows": result.rows, "total": result.total, "page": result.page, "pages": result.pages}, choices


class ExecutionsState(AuthState):
    rows: list[dict] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    phase: str = "loading"  # loading | ready | error
    message: str = ""
    status_filter: str = "all"
    workflow_filter: str = "all"
    range_filter: str = "all"
    date_from: str = ""
    date_to: str = ""
    workflows: list[dict] = []
    scope_id: str = ""

    @rx.var
    def page_title(self) -> str:
        return f"Executions of {self.scope_name} · Wayvo" if self.scope_name else "Executions · Wayvo"

    @rx.var
    def filtered(self) -> bool:
        """Whether a filter is set: an empty list then says "nothing matches", else "no runs yet"."""
        return (self.status_filter, self.workflow_filter, self.range_filter) != ("all", "all", "all")

    @rx.var
    def range_error(self) -> str:
        if self.range_filter == "custom" and self.date_from and self.date_to and self.date_from > self.date_to:
            return "“From” is after “To”: pick a From date on or before the To date."
        return ""

    @rx.var
    def scope_name(self) -> str:
        return next((w["name"] for w in self.workflows if w["id"] == self.scope_id), "")

    def _filter(self) -> ExecutionFilter:
        since = until = None
        if self.range_filter == "custom":
            since, until = _day(self.date_from), _day(self.date_to, end=True)
        elif RANGES.get(self.range_filter):
            since = datetime.now(UTC) - RANGES[self.range_filter]
        workflow = self.scope_id or ("" if self.workflow_filter == "all" else self.workflow_filter)
        return ExecutionFilter(status="" if self.status_filter == "all" else self.status_filter,
                               workflow_id=workflow, since=since, until=until)

    async def _reload(self):
        if not self.user_id:
            return
        try:
            found, self.workflows = await asyncio.to_thread(_query, self.user_id, self._filter(), self.page)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            self.phase, self.message = "error", f"Could not load executions: {exc}"
            return
        self.rows, self.total, self.page, self.pages = found["rows"], found["total"], found["page"], found["pages"]
        self.phase = "ready"
        if self.scope_id and not any(w["id"] == self.scope_id for w in self.workflows):
            self.phase, self.message = "error", "Workflow not found"

    @rx.event
    async def load(self):
        parts = (self.router.url.path or "").strip("/").split("/")
        scope = parts[1] if len(parts) == 3 and parts[2] == "executions" else ""
        if scope != self.scope_id:  # filters are kept while returning to the same list only
            self._clear()
        self.scope_id, self.phase, self.page = scope, "loading", 1
        await self._reload()

    def _clear(self) -> None:
        self.status_filter = self.workflow_filter = self.range_filter = "all"
        self.date_from = self.date_to = ""

    @rx.event
    async def clear_filters(self):
        self._clear()
        self.page = 1
        await self._reload()

    @rx.event
    async def set_filter(self, name: str, value: str):
        if name in ("status_filter", "workflow_filter", "range_filter", "date_from", "date_to"):
            setattr(self, name, value)
        self.page = 1
        await self._reload()

    @rx.event
    async def go(self, delta: int):
        self.page = max(1, min(self.pages, self.page + delta))
        await self._reload()

    @rx.event
    async def refresh(self):
        await self._reload()


def _select(name: str, value, items: list[tuple[str, str]] | rx.Var, label: str, trigger_id: str) -> rx.Component:
    if isinstance(items, list):
        body = [rx.select.item(text, value=key) for key, text in items]
    else:
        body = [rx.select.item("All workflows", value="all"),
                rx.foreach(items, lambda w: rx.select.item(w["name"], value=w["id"]))]
    return rx.select.root(rx.select.trigger(aria_label=label, min_width="150px", id=trigger_id),
                          rx.select.content(*body), value=value,
                          on_change=lambda v: ExecutionsState.set_filter(name, v), size="2")


def _filters() -> rx.Component:
    S = ExecutionsState
    statuses = [("all", "All statuses")] + [(s, s.capitalize()) for s in EXECUTION_STATUSES]
    custom = rx.cond(S.range_filter == "custom", rx.hstack(
        rx.input(type="date", value=S.date_from, aria_label="From",
                 on_change=lambda v: S.set_filter("date_from", v), size="2"),
        rx.text("to", size="2", color_scheme="gray"),
        rx.input(type="date", value=S.date_to, aria_label="To", on_change=lambda v: S.set_filter("date_to", v),
                 size="2"),
        rx.cond(S.range_error != "", rx.text(S.range_error, size="2", color=rx.color("red", 11), role="alert",
                                            id="range-error")),
        align="center", spacing="2", wrap="wrap"))
    return rx.hstack(
        _select("status_filter", S.status_filter, statuses, "Status", "filter-status"),
        rx.cond(S.scope_id == "", _select("workflow_filter", S.workflow_filter, S.workflows, "Workflow",
                                          "filter-workflow")),
        _select("range_filter", S.range_filter, RANGE_LABELS, "Time range", "filter-range"),
        custom, rx.spacer(),
        rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", color_scheme="gray", size="2",
                  on_click=S.refresh),
        spacing="2", width="100%", wrap="wrap", align="center",
    )


def _row(row) -> rx.Component:
    href = routes.EXECUTIONS + "/" + row["id"].to(str)
    error_color = rx.cond(row["status"] == "error", rx.color("red", 11), rx.color("gray", 11))
    detail = rx.cond(row["waitingFor"] != "", rx.text(row["waitingFor"], size="1", color=rx.color("amber", 12)),
                     rx.text(row["error"], size="1", color=error_color, title=row["errorFull"]))
    return rx.table.row(
        rx.table.cell(execution_status_badge(row["status"].to(str))),
        rx.table.row_header_cell(rx.vstack(
            rx.link(row["workflowName"], href=href, weight="medium", size="2"),
            rx.text(row["id"].to(str)[:8], size="1", color_scheme="gray", font_family="monospace"), spacing="0")),
        rx.table.cell(rx.text(row["trigger"], size="2")),
        rx.table.cell(rx.text(row["startedAt"], size="2", white_space="nowrap")),
        rx.table.cell(rx.text(row["duration"], size="2", white_space="nowrap")),
        rx.table.cell(detail, max_width="320px"),
        class_name="wv-execution-row", data_status=row["status"],
    )


def _table() -> rx.Component:
    S = ExecutionsState
    head = rx.table.header(rx.table.row(*[rx.table.column_header_cell(t) for t in (
        "Status", "Workflow", "Trigger", "Started", "Duration", "Waiting for / error")]))
    pager = rx.hstack(
        rx.text(S.total, rx.cond(S.total == 1, " execution", " executions"), " · page ", S.page, " of ", S.pages,
                size="2", color_scheme="gray"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), "Newer", size="1", variant="soft", disabled=S.page <= 1,
                  on_click=S.go(-1), id="page-newer"),
        rx.button("Older", rx.icon("chevron-right", size=14), size="1", variant="soft",
                  disabled=S.page >= S.pages, on_click=S.go(1), id="page-older"),
        width="100%", align="center",
    )
    table = rx.table.root(head, rx.table.body(rx.foreach(S.rows, _row)), width="100%", variant="surface")
    return rx.vstack(table, pager, spacing="3", width="100%")


def _empty() -> rx.Component:
    S = ExecutionsState
    filtered = rx.vstack(
        rx.heading("No executions match", size="4"),
        rx.text("Nothing matches these filters.", color_scheme="gray", align="center"),
        rx.button("Clear filters", variant="soft", size="2", on_click=S.clear_filters),
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
        ("loading", rx.center(rx.spinner(size="3"), padding="3rem", width="100%")),
        ("error", rx.callout(S.message, icon="triangle-alert", color_scheme="red", width="100%")),
        rx.cond(S.rows.length() > 0, _table(), _empty()),
    )
    title = rx.cond(S.scope_name != "", rx.text("Runs of the workflow ", rx.text.strong(S.scope_name), "."),
                    rx.text("Every run of your workflows, newest first."))
    back = rx.cond(S.scope_id != "", rx.link(rx.button(rx.icon("list", size=14), "All executions", size="2",
                                                       variant="soft", color_scheme="gray"),
                                             href=routes.EXECUTIONS))
    return page_frame("Executions", rx.box(title, color=rx.color("gray", 11), font_size="14px"),
                      _filters(), rx.box(content, width="100%", id="executions-list"), actions=back)
