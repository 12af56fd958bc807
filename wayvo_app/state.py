"""The signed-in user of a browser tab: the session cookie, login checks and sign-out."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.services import accounts
from wayvo_app.settings import get_settings

SESSION_COOKIE = "wayvo_session"


class AuthState(rx.State):
    session_token: str = rx.Cookie("", name=SESSION_COOKIE, max_age=14 * 24 * 3600, same_site="lax")
    user_id: str = ""
    user_name: str = ""
    display_name: str = ""
    roles: list[str] = []

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
        return None

    @rx.event
    def logout(self):
        if self.session_token:
            accounts.sign_out(self.session_token)
        self.session_token = ""
        self.user_id = self.user_name = self.display_name = ""
        self.roles = []
        return rx.redirect(routes.LOGIN)
