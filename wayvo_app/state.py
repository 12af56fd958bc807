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
from wayvo_app.services import accounts
from wayvo_app.settings import get_settings

SESSION_COOKIE = "wayvo_session"
# How often an idle tab asks whether its session still lives (the check runs in SessionGuard).
SESSION_CHECK_MS = 3000
ADMIN_ROLE = "admin"


class AuthState(rx.State):
    session_token: str = rx.Cookie("", name=SESSION_COOKIE, max_age=14 * 24 * 3600, same_site="lax")
    user_id: str = ""
    user_name: str = ""
    display_name: str = ""
    roles: list[str] = []

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

    @rx.event
    def require_login(self):
        """on_load of every protected page: back to /login when the session is gone."""
        if not self._load_user():
            self.user_id = ""
            return self._back_to_login()
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
