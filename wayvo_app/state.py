"""The signed-in user of a browser tab: the session cookie, login checks and sign-out, and the
guard that re-checks the session before every event of a protected page."""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex.istate.delta import _resolve_delta
from reflex.middleware import Middleware
from reflex.state import StateUpdate
from reflex_base.event import Event

from wayvo_app import routes
from wayvo_app.services import accounts, workspaces
from wayvo_app.settings import get_settings

SESSION_COOKIE = "wayvo_session"
WORKSPACE_STORAGE = "wayvo_workspace"
# How often an idle tab asks whether its session still lives (the check runs in SessionGuard).
SESSION_CHECK_MS = 3000
ADMIN_ROLE = "admin"


class AuthState(rx.State):
    session_token: str = rx.Cookie("", name=SESSION_COOKIE, max_age=14 * 24 * 3600, same_site="lax")
    user_id: str = ""
    user_name: str = ""
    display_name: str = ""
    roles: list[str] = []
    # The current workspace (the switcher in the app shell): kept in the browser, checked on each load.
    workspace_id: str = rx.LocalStorage("", name=WORKSPACE_STORAGE, sync=True)
    workspace_name: str = ""
    workspace_role: str = ""
    workspace_personal: bool = True
    workspace_options: list[dict[str, str]] = []
    # The websocket connection of the last page load, and whether this load is a (re)connect of
    # it rather than a navigation: Reflex re-runs a page's on_load on every reconnect, which must
    # not close a dialog the user has open (or drop a key shown once).
    _connection: str = ""
    _reconnected: bool = False

    def _load_workspaces(self) -> None:
        """The user's workspaces; the current one falls back to the personal one when gone."""
        mine = workspaces.workspaces_of(self.user_id)
        self.workspace_options = [{"id": w["id"], "label": w["name"] + (" (personal)" if w["personal"] else "")}
                                  for w in mine]
        current = next((w for w in mine if w["id"] == self.workspace_id), None) or (mine[0] if mine else None)
        self.workspace_id = current["id"] if current else ""
        self.workspace_name = current["name"] if current else ""
        self.workspace_role = current["role"] if current else ""
        self.workspace_personal = bool(current["personal"]) if current else True

    @rx.event
    def switch_workspace(self, workspace_id: str):
        """The switcher: make `workspace_id` current and load the page again for its objects."""
        self.workspace_id = workspace_id
        self._load_workspaces()
        return rx.redirect(self.router.url.path or routes.WORKFLOWS)

    @rx.var
    def is_admin(self) -> bool:
        """An installation administrator (may manage users)."""
        return ADMIN_ROLE in self.roles

    def _remember(self, user: accounts.Principal) -> None:
        # Only changed fields are assigned: each assignment is sent to the browser.
        if self.user_id != user.id:
            self.user_id, self.user_name = user.id, user.user_name
        if self.display_name != user.display_name:
            self.display_name = user.display_name
        if self.roles != list(user.roles):
            self.roles = list(user.roles)

    def _forget(self, *, keep_cookie: bool = False) -> None:
        if not keep_cookie:
            self.session_token = ""
        self.user_id = self.user_name = self.display_name = ""
        self.roles = []

    def _load_user(self) -> bool:
        if not self.session_token:
            return False
        user = accounts.signed_in(self.session_token, get_settings().secret_key)
        if user is None:
            return False
        self._remember(user)
        return True

    def _back_to_login(self):
        path = (self.router.url.path or "").rstrip("/") or routes.WORKFLOWS
        return rx.redirect(routes.login(path))

    def _note_connection(self) -> None:
        sid = self.router.session.session_id
        self._reconnected, self._connection = sid != self._connection, sid

    def _new_visit(self) -> bool:
        """Whether this on_load is a navigation to the page (reset what the last visit left
        open) rather than the rehydrate after a websocket (re)connect (keep it)."""
        return not self._reconnected

    @rx.event
    def require_login(self):
        """on_load of every protected page: back to /login when the session is gone."""
        self._note_connection()
        if not self._load_user():
            self.user_id = ""
            return self._back_to_login()
        self._load_workspaces()
        return None

    @rx.event
    def check_session(self, tick: str = ""):
        """The idle tab's periodic ping (`tick` is the timer's text): SessionGuard checks first."""

    @rx.event
    def logout(self):
        if self.session_token:
            accounts.sign_out(self.session_token)
        self._forget()
        return rx.redirect(routes.LOGIN)


# Handlers that decide about the session themselves.
_SELF_CHECKING = frozenset({"require_login", "logout"})


_PUBLIC_STATES: list[type] = []


def public_state(cls):
    """Marks the state of a page anyone may use without a session (sign-in, first-run setup)."""
    _PUBLIC_STATES.append(cls)
    return cls


def is_protected(state_cls: type, handler: str) -> bool:
    """Whether an event needs a live session: every handler of our own states (Reflex's
    internal ones excluded) but sign-in, first-run setup, require_login and logout."""
    if handler in _SELF_CHECKING or issubclass(state_cls, tuple(_PUBLIC_STATES)):
        return False
    return any(c.__module__.startswith("wayvo_app.") for c in state_cls.__mro__)


class SessionGuard(Middleware):
    """Re-checks the tab's session before every protected event, so a signed-out, expired or
    disabled user's tab stops on its next event (and within SESSION_CHECK_MS when idle)."""

    async def preprocess(self, app, state, event: Event) -> StateUpdate | None:
        path, _, handler = event.name.rpartition(".")
        state = state._get_root_state()
        try:
            state_cls = state.get_class_substate(path)
        except ValueError:
            return None
        if not is_protected(state_cls, handler):
            return None
        auth = await state.get_state(AuthState)
        token = auth.session_token
        user = await asyncio.to_thread(accounts.signed_in, token, get_settings().secret_key) if token else None
        if user is not None:
            auth._remember(user)  # roles or names an administrator just changed
            return None
        redirect = auth._back_to_login()
        # The cookie stays: another tab may have signed in again since, and this tab's state
        # holds the old token; clearing the shared cookie would sign that tab out too.
        auth._forget(keep_cookie=True)
        delta = await _resolve_delta(state.get_delta())
        state._clean()  # the delta is sent here; the handler never runs
        return StateUpdate(delta=delta, events=Event.from_event_type(redirect))


def session_ping() -> rx.Component:
    """Invisible: fires AuthState.check_session every SESSION_CHECK_MS while the page is open."""
    return rx.box(rx.moment(interval=SESSION_CHECK_MS, format="x", on_change=AuthState.check_session),
                  display="none", id="session-ping")
