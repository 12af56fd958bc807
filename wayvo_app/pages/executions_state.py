"""The executions list's state: filters read from and written to the URL's query string, the
current workspace's rows, bulk cancel and retry, and live updates from the revision hub."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import reflex as rx

from wayvo_app.components.revision_hub import Subscription, hub
from wayvo_app.services import execution_bulk
from wayvo_app.services.execution_listing import ListView, list_view
from wayvo_app.services.execution_lists import ExecutionFilter
from wayvo_app.services.revision_hub import workspace_key
from wayvo_app.state import AuthState

PAGE_SIZE = 20
RANGES = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}
# state field -> (query parameter, default): the URL says what the list shows, so it can be shared.
URL_FILTERS = {"status_filter": ("status", "all"), "workflow_filter": ("workflowId", "all"),
               "started_by_filter": ("startedBy", "all"), "origin_filter": ("origin", "all"),
               "range_filter": ("range", "all"), "date_from": ("from", ""), "date_to": ("to", ""), "search": ("q", "")}
MIN_RELOAD_SECONDS = 1.0  # a busy workspace reloads an open list at most this often
CHECK_SECONDS = 1.0  # how often an idle watcher checks that its tab is still connected
_watchers: dict[tuple[str, str], Subscription] = {}  # (client token, state) -> the live loop allowed to run


def _zone(name: str) -> ZoneInfo | type[UTC]:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _day(text: str, zone: str, end: bool = False) -> datetime | None:
    """The start of the day (or of the next one, `end`) in the user's time zone."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=_zone(zone))
    except ValueError:
        return None
    return day + timedelta(days=1) if end else day


async def _connected(token: str) -> bool:
    try:
        from reflex_base.registry import RegistrationContext

        manager = RegistrationContext.get().app.event_namespace._token_manager
        return await manager.is_token_connected(token)
    except Exception:  # noqa: BLE001 - private API moved: keep watching, leaving the page stops us
        return True


class ExecutionsState(AuthState):
    rows: list[dict] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    phase: str = "loading"  # loading | ready | error
    message: str = ""
    status_filter: str = "all"
    workflow_filter: str = "all"
    started_by_filter: str = "all"
    origin_filter: str = "all"
    range_filter: str = "all"
    date_from: str = ""
    date_to: str = ""
    search: str = ""
    workflows: list[dict] = []
    starters: list[dict] = []
    scope_id: str = ""
    selected: list[str] = []
    busy: str = ""
    bulk_message: str = ""
    time_zone: str = ""
    live: bool = False
    _watch_workspace: str = ""
    _revision: str = ""

    @rx.var
    def page_title(self) -> str:
        return f"Executions of {self.scope_name} · Wayvo" if self.scope_name else "Executions · Wayvo"

    @rx.var
    def filtered(self) -> bool:
        """Whether a filter is set: an empty list then says "nothing matches", else "no runs yet"."""
        # Each field named (not getattr in a loop): Reflex recomputes a var from the fields it reads.
        chosen = (self.status_filter, self.workflow_filter, self.started_by_filter, self.origin_filter,
                  self.range_filter)
        return any(value != "all" for value in chosen) or self.search.strip() != ""

    @rx.var
    def range_error(self) -> str:
        if self.range_filter == "custom" and self.date_from and self.date_to and self.date_from > self.date_to:
            return "“From” is after “To”: pick a From date on or before the To date."
        return ""

    @rx.var
    def scope_name(self) -> str:
        return next((w["name"] for w in self.workflows if w["id"] == self.scope_id), "")

    @rx.var
    def page_ids(self) -> list[str]:
        return [row["id"] for row in self.rows]

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and all(row["id"] in self.selected for row in self.rows)

    @rx.var
    def may_operate(self) -> bool:
        """Operators and above cancel and retry (each row is checked again when it is done)."""
        return self.workspace_role in ("operator", "editor", "admin")

    def _filter(self) -> ExecutionFilter:
        since = until = None
        if self.range_filter == "custom":
            since, until = _day(self.date_from, self.time_zone), _day(self.date_to, self.time_zone, end=True)
        elif self.range_filter in RANGES:
            since = datetime.now(UTC) - RANGES[self.range_filter]
        workflow = self.scope_id or ("" if self.workflow_filter == "all" else self.workflow_filter)
        pick = lambda value: "" if value == "all" else value  # noqa: E731
        return ExecutionFilter(status=pick(self.status_filter), workflow_id=workflow, since=since, until=until,
                               started_by=pick(self.started_by_filter), origin=pick(self.origin_filter),
                               search=self.search.strip(), workspace_id="" if self.scope_id else self.workspace_id)

    def _apply(self, view: ListView) -> None:
        found = view.page
        self.rows, self.total, self.page, self.pages = found.rows, found.total, found.page, found.pages
        self.workflows, self.starters = view.workflows, view.starters
        self._watch_workspace, self._revision, self.phase = view.workspace_id, view.revision, "ready"
        if self.scope_id and not any(w["id"] == self.scope_id for w in self.workflows):
            self.phase, self.message = "error", "Workflow not found"

    async def _reload(self) -> None:
        if not self.user_id:
            return
        try:
            view = await asyncio.to_thread(list_view, self.user_id, self._filter(), self.page, PAGE_SIZE)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            self.phase, self.message = "error", f"Could not load executions: {exc}"
            return
        self._apply(view)

    def _query_string(self) -> str:
        values = {param: getattr(self, name) for name, (param, default) in URL_FILTERS.items()
                  if getattr(self, name) != default}
        return urlencode(values)

    def _sync_url(self):
        """Writes the filters into the address bar (no navigation): a reload or a shared link restores them."""
        path = (self.router.url.path or "").rstrip("/")
        query = self._query_string()
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(path + ('?' + query if query else ''))})")

    def _read_url(self) -> None:
        params = self.router.url.query_parameters
        for name, (param, default) in URL_FILTERS.items():
            setattr(self, name, str(params.get(param, default))[:200] or default)

    @rx.event
    async def load(self):
        parts = (self.router.url.path or "").strip("/").split("/")
        self.scope_id = parts[1] if len(parts) == 3 and parts[2] == "executions" else ""
        self._read_url()
        self.phase, self.page, self.selected, self.bulk_message = "loading", 1, [], ""
        self._stop_watching()
        await self._reload()
        return [rx.call_script("Intl.DateTimeFormat().resolvedOptions().timeZone",
                               callback=ExecutionsState.set_time_zone), ExecutionsState.watch]

    @rx.event
    async def set_time_zone(self, zone: str):
        zone = str(zone or "")[:64]
        if zone == self.time_zone:
            return
        self.time_zone = zone
        if self.range_filter == "custom":
            await self._reload()

    @rx.event
    async def clear_filters(self):
        for name, (_, default) in URL_FILTERS.items():
            setattr(self, name, default)
        self.page = 1
        await self._reload()
        return self._sync_url()

    @rx.event
    async def set_filter(self, name: str, value: str):
        if name in URL_FILTERS:
            setattr(self, name, str(value)[:200])
        self.page = 1
        await self._reload()
        return self._sync_url()

    @rx.event
    async def go(self, delta: int):
        self.page = max(1, min(self.pages, self.page + delta))
        await self._reload()

    @rx.event
    async def refresh(self):
        await self._reload()

    @rx.event
    def toggle_row(self, execution_id: str):
        self.selected = [i for i in self.selected if i != execution_id] if execution_id in self.selected \
            else [*self.selected, execution_id]

    @rx.event
    def toggle_page(self, _checked: bool = False):
        on_page = [row["id"] for row in self.rows]
        if all(i in self.selected for i in on_page):
            self.selected = [i for i in self.selected if i not in on_page]
        else:
            self.selected = [*self.selected, *[i for i in on_page if i not in self.selected]]

    @rx.event
    def clear_selection(self):
        self.selected, self.bulk_message = [], ""

    @rx.event
    async def bulk(self, action: str):
        """Cancel or retry the selected executions; each is checked on its own; a summary says how it went."""
        run = {"cancel": execution_bulk.cancel_many, "retry": execution_bulk.retry_many}.get(action)
        if run is None or not self.selected:
            return
        self.busy = action
        yield
        try:
            result = await asyncio.to_thread(run, list(self.selected), self.user_id)
        except Exception as exc:  # noqa: BLE001 - shown on the page
            self.busy, self.bulk_message = "", f"Could not {action}: {exc}"
            return
        self.busy, self.bulk_message, self.selected = "", result.summary or "Nothing to do", []
        await self._reload()

    def _stop_watching(self) -> None:
        sub = _watchers.pop((self.router.session.client_token, self.get_full_name()), None)
        if sub is not None:
            sub.close()
        self.live = False

    @rx.event
    def leave(self):
        """on_unmount: the live loop stops at its next tick."""
        self._stop_watching()

    @rx.event(background=True)
    async def watch(self):
        """While the list is open: reload when the revision hub sees an execution of the workspace change."""
        async with self:
            if not self._watch_workspace:
                return
            token = self.router.session.client_token
            key = (token, self.get_full_name())
            old = _watchers.pop(key, None)
            if old is not None:
                old.close()
            sub = _watchers[key] = hub.subscribe(workspace_key(self._watch_workspace), self._revision)
            self.live = True
        try:
            while True:
                changed = await sub.wait(CHECK_SECONDS)
                if sub.closed or _watchers.get(key) is not sub:
                    return
                if not changed:
                    if not await _connected(token):
                        return
                    continue
                async with self:
                    user_id, flt, page = self.user_id, self._filter(), self.page
                try:
                    view = await asyncio.to_thread(list_view, user_id, flt, page, PAGE_SIZE)
                except Exception:  # noqa: BLE001 - a busy database: the next change tries again
                    continue
                async with self:
                    if _watchers.get(key) is not sub:
                        return
                    self._apply(view)
                await asyncio.sleep(MIN_RELOAD_SECONDS)
        finally:
            hub.unsubscribe(sub)
            if _watchers.get(key) is sub:
                _watchers.pop(key, None)
