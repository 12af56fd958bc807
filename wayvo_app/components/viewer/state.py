"""The execution viewer's state, one per embedded viewer (a ComponentState): loads a snapshot,
reloads it while mounted whenever the revision hub sees `Execution.updated_at` move, and acts.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.revision_hub import Subscription, hub
from wayvo_app.components.viewer.data import view_of
from wayvo_app.core.errors import NotFoundError, WorkflowError
from wayvo_app.services import executions as commands
from wayvo_app.services.execution_lists import FINISHED, viewer_view
from wayvo_app.settings import get_settings
from wayvo_app.state import AuthState

CHECK_SECONDS = 1.0  # how often an idle watcher checks that its tab is still connected
REFRESH_OPEN_SECONDS = 10.0  # redraw elapsed and waiting times of an open execution now and then
# (client token, state name) -> the subscription of the watch loop allowed to run; process-local is
# enough: a background event runs in the worker that holds the tab's websocket.
_watchers: dict[tuple[str, str], Subscription] = {}


def load_view(execution_id: str, user_id: str, workflow_id: str = "") -> tuple[dict, str]:
    """The view fields and the revision they show; NotFoundError unless the user owns it."""
    snapshot, revision = viewer_view(execution_id, user_id, workflow_id)
    return view_of(snapshot, get_settings().app_url), revision


async def _connected(token: str) -> bool:
    try:
        from reflex_base.registry import RegistrationContext

        manager = RegistrationContext.get().app.event_namespace._token_manager
        return await manager.is_token_connected(token)
    except Exception:  # noqa: BLE001 - private API moved: keep watching, the unmount still stops us
        return True


class ExecutionViewerState(rx.ComponentState):
    exec_id: str = ""
    wf_id: str = ""
    phase: str = "loading"  # loading | ready | missing | error
    message: str = ""
    info: dict[str, Any] = {}
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    waits: list[dict[str, Any]] = []
    selected_node: str = ""
    focus: str = ""  # the failed or paused step the viewer opens on
    confirming: str = ""  # "cancel" / "start" while its confirmation is open
    busy: str = ""
    live: bool = False
    _revision: str = ""
    _user_id: str = ""

    def _apply(self, view: dict, revision: str) -> None:
        for name, value in view.items():
            setattr(self, name, value)
        if self.selected_node:
            self.nodes = [{**n, "selected": n["id"] == self.selected_node} for n in self.nodes]
        self._revision, self.phase, self.message = revision, "ready", ""

    def _fail(self, exc: Exception) -> None:
        self.phase = "missing" if isinstance(exc, NotFoundError) else "error"
        self.message = exc.message if isinstance(exc, WorkflowError) else f"Could not load the execution: {exc}"

    @rx.event
    async def open(self, execution_id: str, workflow_id: str = ""):
        """on_mount: load the execution and start watching it while it is open."""
        self.exec_id, self.wf_id, self.selected_node, self.phase = execution_id or "", workflow_id or "", "", "loading"
        self._stop_watching()  # a reload of the tab keeps its token: a loop of the old page may still run
        auth = await self.get_state(AuthState)
        if not auth.user_id and not auth._load_user():
            self.phase, self.message = "error", "Sign in to see this execution."
            return None
        self._user_id = auth.user_id
        if not self.exec_id:
            self.phase, self.message = "missing", "No execution to show yet."
            return None
        try:
            self._apply(*await asyncio.to_thread(load_view, self.exec_id, self._user_id, self.wf_id))
        except Exception as exc:  # noqa: BLE001 - shown in the viewer instead of a broken page
            self._fail(exc)
            return None
        if self.focus:  # an incident opens on the step that failed (or waits)
            self._select(self.focus)
        return None if self.info.get("status") in FINISHED else type(self).watch

    def _stop_watching(self) -> None:
        sub = _watchers.pop((self.router.session.client_token, self.get_full_name()), None)
        if sub is not None:
            sub.close()
        self.live = False

    @rx.event
    def close(self):
        """on_unmount: the watch loop stops at its next tick."""
        self._stop_watching()

    @rx.event(background=True, supersedes=True)
    async def watch(self):
        """While mounted: reload when the revision hub sees the execution change."""
        async with self:
            token = self.router.session.client_token
            key = (token, self.get_full_name())
            execution_id, user_id, workflow_id = self.exec_id, self._user_id, self.wf_id
            sub = _watchers[key] = hub.subscribe(execution_id, self._revision, user_id)
            self.live = True
        idle = 0.0
        try:
            while True:
                changed = await sub.wait(CHECK_SECONDS)
                if sub.closed or _watchers.get(key) is not sub:
                    return
                if not changed:
                    idle += CHECK_SECONDS
                    if not await _connected(token):
                        return
                    if idle < REFRESH_OPEN_SECONDS:
                        continue
                idle = 0.0
                view, revision = await asyncio.to_thread(load_view, execution_id, user_id, workflow_id)
                async with self:
                    if _watchers.get(key) is not sub or self.exec_id != execution_id:
                        return
                    self._apply(view, revision)
                    if self.info.get("status") in FINISHED:
                        self.live = False
                        return
        except NotFoundError:
            return
        finally:
            hub.unsubscribe(sub)
            if _watchers.get(key) is sub:
                _watchers.pop(key, None)

    @rx.event
    def select_node(self, node: dict):
        self._select(str(node.get("id", "")))

    @rx.event
    def select_node_id(self, node_id: str):
        self._select(node_id)

    @rx.event
    def clear_selection(self):
        self._select("")

    def _select(self, node_id: str) -> None:
        self.selected_node = "" if node_id == self.selected_node else node_id
        self.nodes = [{**n, "selected": n["id"] == self.selected_node} for n in self.nodes]

    @rx.event
    def ask(self, action: str):
        self.confirming = action if action in ("cancel", "start") else ""

    @rx.event
    def dismiss(self, is_open: bool = False):
        if not is_open:
            self.confirming = ""

    @rx.event
    async def confirmed(self):
        action, self.confirming = self.confirming, ""
        if action == "cancel":
            return type(self).cancel
        if action == "start":
            return type(self).retry("start")
        return None

    @rx.event
    async def cancel(self):
        self.busy = "cancel"
        try:
            await asyncio.to_thread(commands.cancel_execution, self.exec_id, self._user_id)
            self._apply(*await asyncio.to_thread(load_view, self.exec_id, self._user_id, self.wf_id))
            return rx.toast.success("Execution cancelled")
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        finally:
            self.busy = ""

    @rx.event
    async def retry(self, mode: str):
        """Retry from the failed step or from the start, then show the new execution."""
        self.busy = mode
        try:
            new = await asyncio.to_thread(commands.retry_execution, self.exec_id, self._user_id, mode)
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        finally:
            self.busy = ""
        return rx.redirect(routes.execution(new.id))

    @rx.var
    def edit_href(self) -> str:
        return routes.workflow(str(self.info.get("workflowId", ""))) if self.info.get("workflowId") else ""

    @rx.var
    def selected_steps(self) -> list[dict[str, Any]]:
        return [step for step in self.steps if step["nodeId"] == self.selected_node]

    @rx.var
    def selected_meta(self) -> dict[str, str]:
        node = next((n for n in self.nodes if n["id"] == self.selected_node), None)
        if node is None:
            return {"name": "", "type": "", "status": "", "id": ""}
        data = node["data"]
        return {"name": data.get("name", ""), "type": data.get("action") or data.get("actionType", ""),
                "status": data.get("status", "idle"), "id": node["id"]}

    @rx.var
    def open_waits(self) -> list[dict[str, Any]]:
        return [w for w in self.waits if w["open"]]
