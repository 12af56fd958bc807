"""/workflows/approvals: every approval request the signed-in user can see, pending first,
with tabs, filters, bulk decisions and a 2-second refresh while the page is open."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.approvals import keys, presenters
from wayvo_app.components.approvals.badge import PendingBadgeState
from wayvo_app.components.approvals.inbox import bulk_bar, bulk_confirm_dialog, bulk_results, inbox_list
from wayvo_app.components.layout import page_frame
from wayvo_app.core.errors import WorkflowError
from wayvo_app.core.times import utcnow
from wayvo_app.services import inbox as inbox_queries
from wayvo_app.services.decisions import decide_approval
from wayvo_app.state import AuthState

POLL_MS = 2000
ALL_WORKFLOWS = "__all__"
TABS = {"pending": "pendingForMe", "decided": "decidedByMe", "all": ""}
SORTS = {"pending": "Pending first", "due": "Due soonest", "newest": "Newest first"}


def _sort_key(order: str):
    if order == "due":  # overdue and soonest due first; requests that never expire last
        return lambda r: (r["status"] != "pending", r["expiresIso"] == "", r["expiresIso"], r["createdIso"])
    if order == "newest":
        return lambda r: r["createdIso"]
    return None  # the service's order: pending first, newest first


def _rows(user_id: str) -> list[dict[str, Any]]:
    now = utcnow()
    return [presenters.inbox_row(row, now) for row in inbox_queries.inbox_rows(user_id, now)]


class InboxState(AuthState):
    rows: list[dict[str, Any]] = []
    loaded: bool = False
    error: str = ""
    tab: str = "pending"
    workflow_filter: str = ALL_WORKFLOWS
    search: str = ""
    selected: list[str] = []
    bulk_comment: str = ""
    bulk_decision: str = ""  # "approved" / "rejected" while the confirmation is open
    results: list[dict[str, str]] = []
    busy: bool = False
    sort: str = "pending"
    preview_id: str = ""  # the row whose preview is open
    welcome_execution: str = ""  # set after the first-run samples loaded: the execution waiting for an event

    @rx.var
    def visible_rows(self) -> list[dict[str, Any]]:
        key, needle = TABS.get(self.tab, ""), self.search.strip().lower()
        rows = [r for r in self.rows
                if (not key or r[key])
                and (self.workflow_filter == ALL_WORKFLOWS or r["workflowId"] == self.workflow_filter)
                and (not needle or needle in r["title"].lower())]
        order = _sort_key(self.sort)
        if order is not None:
            rows.sort(key=order, reverse=self.sort == "newest")
        return rows

    @rx.var
    def workflows(self) -> list[dict[str, str]]:
        names = {r["workflowId"]: r["workflowName"] or "(unnamed)" for r in self.rows}
        return [{"id": k, "name": v} for k, v in sorted(names.items(), key=lambda kv: kv[1].lower())]

    @rx.var
    def pending_total(self) -> int:
        return sum(1 for r in self.rows if r["pendingForMe"])

    @rx.var
    def decided_total(self) -> int:
        return sum(1 for r in self.rows if r["decidedByMe"])

    @rx.var
    def decidable_ids(self) -> list[str]:
        return [r["id"] for r in self.visible_rows if r["canDecide"]]

    @rx.var
    def all_selected(self) -> bool:
        ids = self.decidable_ids
        return bool(ids) and all(i in self.selected for i in ids)

    @rx.var
    def filtered(self) -> bool:
        return self.workflow_filter != ALL_WORKFLOWS or self.search.strip() != ""

    async def _refresh(self) -> None:
        try:
            rows = await asyncio.to_thread(_rows, self.user_id)
        except Exception as exc:  # noqa: BLE001 - shown on the page; the next poll tries again
            self.error = f"Could not load approval requests: {exc}"
            return
        self.error = ""
        if rows != self.rows:
            self.rows = rows
            live = {r["id"] for r in rows if r["canDecide"]}
            self.selected = [i for i in self.selected if i in live]
        self.loaded = True
        badge = await self.get_state(PendingBadgeState)
        badge.pending = sum(1 for r in rows if r["pendingForMe"] and r["canDecide"])

    @rx.var
    def welcome_href(self) -> str:
        return routes.execution(self.welcome_execution) if self.welcome_execution else ""

    @rx.event
    def dismiss_welcome(self):
        self.welcome_execution = ""

    @rx.event
    async def load(self):
        self.results, self.bulk_decision = [], ""
        self.welcome_execution = self.router.url.query_parameters.get("welcome", "")
        if self.user_id:
            await self._refresh()
        return rx.call_script(keys.INSTALL_JS)

    @rx.event
    async def poll(self, _tick: str = ""):
        # Paused while a bulk confirmation is open: the list must not change under the dialog.
        if self.user_id and not self.busy and not self.bulk_decision:
            await self._refresh()

    @rx.event
    def set_tab(self, value: str):
        self.tab = value if value in TABS else "pending"
        self.selected = []

    @rx.event
    def set_workflow_filter(self, value: str):
        self.workflow_filter = value

    @rx.event
    def set_search(self, value: str):
        self.search = value

    @rx.event
    def set_sort(self, value: str):
        self.sort = value if value in SORTS else "pending"

    @rx.event
    def toggle_preview(self, request_id: str):
        self.preview_id = "" if self.preview_id == request_id else request_id

    @rx.event
    async def decide_one(self, request_id: str, decision: str):
        """Approve or reject one request from its row (no comment), as on the approval page."""
        if decision not in ("approved", "rejected") or self.busy or not self._load_user():
            return
        self.busy = True
        self.results = [await self._decide(request_id, decision, None)]
        self.selected = [i for i in self.selected if i != request_id]
        self.busy = False
        await self._refresh()

    async def _decide(self, request_id: str, decision: str, comment: str | None) -> dict[str, str]:
        title = next((r["title"] for r in self.rows if r["id"] == request_id), request_id)
        try:
            body = await asyncio.to_thread(decide_approval, request_id=request_id, user_name=self.user_name,
                                           decision=decision, comment=comment)
        except WorkflowError as exc:
            return {"title": title, "ok": "", "message": exc.message}
        verb = "Approved" if decision == "approved" else "Rejected"
        outcome = ("" if body["status"] == decision else
                   "; still pending" if body["status"] == "pending" else f"; request now {body['status']}")
        return {"title": title, "ok": "yes", "message": f"{verb}{outcome}"}

    @rx.event
    def set_bulk_comment(self, value: str):
        self.bulk_comment = value

    @rx.event
    def toggle(self, request_id: str, checked: bool):
        others = [i for i in self.selected if i != request_id]
        self.selected = others + [request_id] if checked else others

    @rx.event
    def toggle_all(self, checked: bool):
        self.selected = list(self.decidable_ids) if checked else []

    @rx.event
    def ask_bulk(self, decision: str):
        if self.selected and decision in ("approved", "rejected"):
            self.bulk_decision = decision

    @rx.event
    def cancel_bulk(self):
        self.bulk_decision = ""

    @rx.event
    def bulk_dialog_changed(self, is_open: bool):
        if not is_open:
            self.bulk_decision = ""

    @rx.event
    async def confirm_bulk(self):
        decision, ids = self.bulk_decision, list(self.selected)
        self.bulk_decision = ""
        if not ids or decision not in ("approved", "rejected") or not self._load_user():
            return
        self.busy = True
        # Each request is decided on its own, under the same rules as on the approval page.
        results = [await self._decide(request_id, decision, self.bulk_comment or None) for request_id in ids]
        self.results, self.selected, self.busy = results, [], False
        if all(r["ok"] for r in results):
            self.bulk_comment = ""
        await self._refresh()

    @rx.event
    def clear_results(self):
        self.results = []


def _tabs() -> rx.Component:
    def trigger(value: str, short: str, rest: str, count=None) -> rx.Component:
        # "Pending for me" reads "Pending" on a phone, so the three tabs fit in 375 px.
        extra = rx.badge(count, variant="soft", radius="full", margin_left="0.4rem") if count is not None else ""
        label = rx.text(short, rx.text.span(rest, display=rx.breakpoints(initial="none", sm="inline")))
        # The tabs filter one list (no tab panels): aria-controls names that list.
        return rx.tabs.trigger(label, extra, value=value, id=f"tab-{value}", aria_controls="approvals-inbox")

    return rx.tabs.root(
        rx.tabs.list(trigger("pending", "Pending", " for me", InboxState.pending_total),
                     trigger("decided", "Decided", " by me", InboxState.decided_total),
                     trigger("all", "All", " I can see")),
        value=InboxState.tab, on_change=InboxState.set_tab, width="100%",
    )


def _filters() -> rx.Component:
    workflow_select = rx.select.root(
        rx.select.trigger(placeholder="All workflows", min_width="12rem", id="workflow-filter",
                          aria_label="Workflow"),
        rx.select.content(
            rx.select.item("All workflows", value=ALL_WORKFLOWS),
            rx.foreach(InboxState.workflows, lambda w: rx.select.item(w["name"], value=w["id"])),
        ),
        value=InboxState.workflow_filter, on_change=InboxState.set_workflow_filter,
    )
    sort = rx.select.root(
        rx.select.trigger(min_width="10rem", id="inbox-sort", aria_label="Sort"),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in SORTS.items()]),
        value=InboxState.sort, on_change=InboxState.set_sort,
    )
    search = rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search by title",
                      value=InboxState.search, on_change=InboxState.set_search, id="inbox-search",
                      flex="1", min_width="12rem", max_width=["100%", "100%", "22rem"])
    help_ = rx.text(rx.icon("keyboard", size=13, margin_right="0.3rem", vertical_align="-2px"), keys.KEYS_HELP,
                    size="1", color_scheme="gray", display=rx.breakpoints(initial="none", md="block"),
                    id="inbox-keys-help")
    return rx.flex(workflow_select, sort, search, help_, gap="0.75rem", wrap="wrap", width="100%", align="center")


def _state_views(content: rx.Component) -> rx.Component:
    error = rx.callout(rx.hstack(rx.text(InboxState.error), rx.button("Retry", size="1", variant="soft",
                                                                     on_click=InboxState.load),
                                 align="center", spacing="3", wrap="wrap"),
                       icon="triangle-alert", color_scheme="red", role="alert", width="100%", id="inbox-error")
    loading = rx.center(rx.vstack(rx.spinner(size="3"), rx.text("Loading approval requests…", color_scheme="gray",
                                                                 size="2"), align="center"),
                        padding="3rem", width="100%", id="inbox-loading")
    return rx.fragment(rx.cond(InboxState.error != "", error),
                       rx.cond(InboxState.loaded, content, rx.cond(InboxState.error == "", loading)))


def _welcome() -> rx.Component:
    body = rx.vstack(
        rx.text("Your sample workflows are loaded and two of them are already running.", weight="medium"),
        rx.text("The request below comes from the “Order approval” sample: open it, look at the order, and "
                "approve it to let the workflow send its confirmation."),
        rx.text("The “Payment processing” sample waits for a payment event. ",
                rx.link("Open that execution", href=InboxState.welcome_href, id="welcome-execution"),
                " to watch it live and copy the curl command that resumes it."),
        spacing="1",
    )
    return rx.cond(
        InboxState.welcome_execution != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("party-popper")),
            rx.flex(body, rx.icon_button(rx.icon("x", size=14), variant="ghost", size="1", color_scheme="gray",
                                         on_click=InboxState.dismiss_welcome, aria_label="Dismiss"),
                    justify="between", align="start", gap="0.75rem", width="100%"),
            color_scheme="grass", width="100%", id="welcome",
        ),
    )


def approvals_inbox_page() -> rx.Component:
    live = rx.moment(interval=POLL_MS, format="HH:mm:ss", on_change=InboxState.poll, display="none")
    content = rx.vstack(
        _welcome(), _tabs(), _filters(), bulk_results(InboxState), bulk_bar(InboxState), inbox_list(InboxState),
        spacing="4", width="100%",
    )
    live_hint = rx.hstack(rx.box(width="8px", height="8px", border_radius="50%", background=rx.color("grass", 9)),
                          rx.text("Live", size="1", color_scheme="gray"), align="center", spacing="2",
                          title="New requests appear here without reloading")
    return page_frame(
        "Approvals",
        rx.cond(InboxState.user_id != "", live),
        rx.box(_state_views(content), width="100%", id="approvals-inbox"),
        bulk_confirm_dialog(InboxState),
        actions=live_hint,
    )
