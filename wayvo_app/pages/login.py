"""/login: sign in with user name and password; /setup: create the owner on first run."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from wayvo_app import routes
from wayvo_app.core.errors import WorkflowError
from wayvo_app.services import accounts, failure_limits, samples
from wayvo_app.settings import get_settings
from wayvo_app.state import AuthState, public_state

log = logging.getLogger("wayvo.setup")


def _safe_next(target: str) -> str:
    # Only local paths: an open redirect would let a link send users elsewhere after login.
    return routes.local_path(target, routes.WORKFLOWS)


@public_state
class LoginState(AuthState):
    error: str = ""
    busy: bool = False

    @rx.event
    def on_load(self):
        self.error = ""
        if not accounts.has_users():
            return rx.redirect(routes.SETUP)
        if self._load_user():
            return rx.redirect(_safe_next(self.router.url.query_parameters.get("next", "")))
        return None

    @rx.event
    async def submit(self, form: dict):
        """Sign in behind the failure limits (per user name and per address, shared with the API);
        the password hash runs in a thread so that the event loop keeps serving other tabs."""
        self.error = ""
        try:
            token, _, user = await asyncio.to_thread(
                failure_limits.sign_in_limited, str(form.get("user_name") or ""), str(form.get("password") or ""),
                get_settings().secret_key, address=self.router.session.client_ip or "unknown")
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.session_token = token
        self._remember(user)
        return rx.redirect(_safe_next(self.router.url.query_parameters.get("next", "")))


@public_state
class SetupState(AuthState):
    error: str = ""

    @rx.event
    def on_load(self):
        if accounts.has_users():
            return rx.redirect(routes.LOGIN)
        return None

    @rx.event
    async def submit(self, form: dict):
        self.error = ""
        if form.get("password") != form.get("confirm"):
            self.error = "The two passwords differ"
            return None
        try:  # the password hash runs in a thread, off the event loop
            token = await asyncio.to_thread(
                accounts.set_up_owner, form.get("user_name", ""), form.get("password", ""), get_settings().secret_key,
                email=form.get("email") or None, display_name=form.get("display_name") or None)
        except WorkflowError as exc:
            self.error = exc.message
            return None
        if token is None:  # someone finished the setup first
            return rx.redirect(routes.LOGIN)
        self.session_token = token
        self._load_user()
        if form.get("samples") not in ("on", "true", True):
            return rx.redirect(routes.WORKFLOWS)
        try:
            loaded = await asyncio.to_thread(samples.load_first_run_samples, self.user_name)
        except WorkflowError as exc:  # the account exists: say what failed and carry on without samples
            log.warning("first-run samples not loaded: %s", exc.message)
            return rx.redirect(routes.WORKFLOWS)
        return rx.redirect(routes.welcome(loaded.payment_execution_id))


def _field(label: str, name: str, type_: str = "text", placeholder: str = "", required: bool = True):
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"fontSize": "var(--font-size-2)", "fontWeight": "500"}),
        rx.input(name=name, id=name, type=type_, placeholder=placeholder, required=required,
                 width="100%", size="3"),
        spacing="1", width="100%",
    )


def _error(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red",
                                             role="alert", width="100%"))


def _card(title: str, subtitle: str, form: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("zap", color=rx.color("accent", 9)), rx.heading("Wayvo Workflows", size="5"),
                          align="center"),
                rx.heading(title, size="4"),
                rx.text(subtitle, color_scheme="gray", size="2"),
                form,
                spacing="3", width="100%",
            ),
            width="100%", max_width="400px", size="4",
        ),
        min_height="100vh", padding="1rem", background=rx.color("gray", 2),
    )


def login_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            _field("User name", "user_name", placeholder="alice"),
            _field("Password", "password", "password"),
            _error(LoginState.error),
            rx.button("Sign in", type="submit", width="100%", size="3", id="sign-in"),
            spacing="3", width="100%",
        ),
        on_submit=LoginState.submit, width="100%",
    )
    return _card("Sign in", "Use your Wayvo account.", form)


def setup_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            _field("User name", "user_name", placeholder="owner"),
            _field("Display name", "display_name", placeholder="Your name", required=False),
            _field("Email", "email", "email", placeholder="you@example.com", required=False),
            _field("Password (at least 8 characters)", "password", "password"),
            _field("Confirm password", "confirm", "password"),
            rx.el.label(
                rx.checkbox(name="samples", default_checked=True, id="load-samples"),
                rx.vstack(rx.text("Load sample workflows", size="2", weight="medium"),
                          rx.text("An approval waiting in your inbox and a payment waiting for its event, "
                                  "so you can see a run at once.", size="1", color_scheme="gray"),
                          spacing="0"),
                html_for="load-samples", style={"display": "flex", "gap": "0.6rem", "alignItems": "start",
                                                "cursor": "pointer"}),
            _error(SetupState.error),
            rx.button("Create owner account", type="submit", width="100%", size="3", id="create-owner"),
            spacing="3", width="100%",
        ),
        on_submit=SetupState.submit, width="100%",
    )
    return _card("Welcome", "No account exists yet: create the owner account.", form)
