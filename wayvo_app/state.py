"""The signed-in user of a browser tab: the session cookie, login checks and sign-out."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.services import accounts, workspaces
from wayvo_app.settings import get_settings

SESSION_COOKIE = "wayvo_session"
WORKSPACE_STORAGE = "wayvo_workspace"


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

    def _load_user(self) -> bool:
        if not self.session_token:
            return False
        user = accounts.signed_in(self.session_token, get_settings().secret_key)
        if user is None:
            return False
        self.user_id, self.user_name = user.id, user.user_name
        self.display_name = user.display_name
        self.roles = list(user.roles)
        return True

    @rx.event
    def require_login(self):
        """on_load of every protected page: back to /login when the session is gone."""
        if not self._load_user():
            self.user_id = ""
            path = (self.router.url.path or "").rstrip("/") or routes.WORKFLOWS
            return rx.redirect(routes.login(path))
        self._load_workspaces()
        return None

    @rx.event
    def logout(self):
        if self.session_token:
            accounts.sign_out(self.session_token)
        self.session_token = ""
        self.user_id = self.user_name = self.display_name = ""
        self.roles = []
        return rx.redirect(routes.LOGIN)
