"""/settings/profile: anyone changes their own display name, e-mail and password (the current
password is asked; other sessions are signed out)."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame, settings_tabs
from wayvo_app.core.errors import WorkflowError
from wayvo_app.services import user_admin
from wayvo_app.state import AuthState


class ProfileState(AuthState):
    email: str = ""
    roles_text: str = ""
    loaded: bool = False
    profile_error: str = ""
    password_error: str = ""
    # Bumped after a save: the forms are keyed on it, so their fields show the saved values again.
    form_key: int = 0

    def _fill(self) -> None:
        me = user_admin.profile_of(self.user_id)
        self.email, self.roles_text = me.email, ", ".join(me.roles)
        self.display_name = me.display_name
        self.loaded = True

    @rx.event
    def load(self):
        self.profile_error = self.password_error = ""
        self.loaded = False
        if self.user_id:
            self._fill()

    @rx.event
    def save_profile(self, form: dict):
        self.profile_error = ""
        try:
            user_admin.update_profile(self.user_id, display_name=form.get("display_name", ""),
                                      email=form.get("email", ""))
        except WorkflowError as exc:
            self.profile_error = exc.message
            return None
        self._fill()
        self.form_key += 1
        return rx.toast.success("Profile saved")

    @rx.event
    def change_password(self, form: dict):
        self.password_error = ""
        if form.get("new_password") != form.get("confirm"):
            self.password_error = "The two new passwords differ"
            return None
        try:
            ended = user_admin.change_password(self.user_id, form.get("current", ""), form.get("new_password", ""),
                                               keep_token=self.session_token)
        except WorkflowError as exc:
            self.password_error = exc.message
            return None
        self.form_key += 1
        others = f"; {ended} other session{'s' if ended != 1 else ''} signed out" if ended else ""
        return rx.toast.success(f"Password changed{others}")


def _field(label: str, name: str, type_: str = "text", default=None, hint: str = "", required=False,
           auto_complete: str = ""):
    return rx.vstack(
        rx.text(label, size="2", weight="medium", as_="label", html_for=f"profile-{name}"),
        rx.input(name=name, id=f"profile-{name}", type=type_, default_value=default, required=required,
                 auto_complete=auto_complete or None, width="100%", size="3"),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1", width="100%",
    )


def _error(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert",
                                             width="100%"))


def _profile_card() -> rx.Component:
    s = ProfileState
    return rx.card(rx.form(
        rx.vstack(
            rx.heading("Your details", size="3"),
            rx.hstack(rx.text("User name", size="2", color_scheme="gray"), rx.code(s.user_name), align="center"),
            _field("Display name", "display_name", default=s.display_name, hint="Shown in the app and in e-mails."),
            _field("E-mail", "email", "email", default=s.email, hint="Approval requests are e-mailed here.",
                   auto_complete="email"),
            rx.hstack(rx.text("Roles", size="2", color_scheme="gray"),
                      rx.cond(s.roles_text != "", rx.text(s.roles_text, size="2"),
                              rx.text("none", size="2", color_scheme="gray")),
                      rx.text("(set by an administrator)", size="1", color_scheme="gray"), align="center",
                      wrap="wrap"),
            _error(s.profile_error),
            rx.button("Save details", type="submit", id="save-profile"),
            spacing="3", width="100%", align="start"),
        on_submit=s.save_profile, reset_on_submit=False, key=s.form_key.to(str) + "-profile", width="100%"),
        width="100%")


def _password_card() -> rx.Component:
    s = ProfileState
    return rx.card(rx.form(
        rx.vstack(
            rx.heading("Change password", size="3"),
            rx.text("Your other browsers and devices are signed out; this one stays signed in.", size="2",
                    color_scheme="gray"),
            _field("Current password", "current", "password", required=True, auto_complete="current-password"),
            _field("New password (at least 8 characters)", "new_password", "password", required=True,
                   auto_complete="new-password"),
            _field("Confirm new password", "confirm", "password", required=True, auto_complete="new-password"),
            _error(s.password_error),
            rx.button("Change password", type="submit", id="change-password"),
            spacing="3", width="100%", align="start"),
        on_submit=s.change_password, reset_on_submit=True, key=s.form_key.to(str) + "-password", width="100%"),
        width="100%")


def profile_page() -> rx.Component:
    content = rx.cond(ProfileState.loaded,
                      rx.grid(_profile_card(), _password_card(), columns=rx.breakpoints(initial="1", md="2"),
                              spacing="4", width="100%"),
                      rx.center(rx.spinner(size="3"), padding="2rem", width="100%"))
    return page_frame("Profile", rx.vstack(settings_tabs(routes.SETTINGS_PROFILE), content, spacing="4",
                                           width="100%", max_width="1000px"))
