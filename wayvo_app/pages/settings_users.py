"""/settings/users: installation administrators list users, create one, edit display name, e-mail
and approval roles, reset a password, disable and enable. Everyone else is refused."""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame, settings_tabs
from wayvo_app.core.errors import ForbiddenError, WorkflowError
from wayvo_app.core.times import stamp
from wayvo_app.services import user_admin
from wayvo_app.state import AuthState

# Dialog modes
CREATE, EDIT, PASSWORD, DISABLE = "create", "edit", "password", "disable"


def _row(user: user_admin.UserRow, me: str) -> dict[str, Any]:
    return {"id": user.id, "userName": user.user_name, "displayName": user.display_name,
            "email": user.email, "roles": list(user.roles), "rolesText": ", ".join(user.roles),
            "disabled": user.disabled, "created": stamp(user.created_at), "isSelf": user.id == me}


class UsersState(AuthState):
    users: list[dict[str, Any]] = []
    loaded: bool = False
    refused: bool = False
    query: str = ""
    dialog: str = ""
    target: dict[str, Any] = {}
    form_error: str = ""

    @rx.var
    def shown(self) -> list[dict[str, Any]]:
        q = self.query.strip().lower()
        if not q:
            return self.users
        return [u for u in self.users if q in f"{u['userName']} {u['displayName']} {u['email']} "
                                              f"{u['rolesText']}".lower()]

    def _reload(self) -> None:
        try:
            self.users = [_row(u, self.user_id) for u in user_admin.users_for(self.user_id)]
            self.refused = False
        except ForbiddenError:
            self.users, self.refused = [], True
        self.loaded = True

    def _close(self) -> None:
        self.dialog, self.target, self.form_error = "", {}, ""

    def _run(self, action, success: str):
        """Runs one administrator action; a refusal shows the refused page, other errors stay in the dialog."""
        self.form_error = ""
        try:
            action()
        except ForbiddenError:
            self._close()
            self.users, self.refused = [], True
            return None
        except WorkflowError as exc:
            self.form_error = exc.message
            return None
        self._close()
        self._reload()
        return rx.toast.success(success)

    @rx.event
    def load(self):
        self._close()
        self.query, self.loaded = "", False
        if self.user_id:
            self._reload()

    @rx.event
    def set_query(self, value: str):
        self.query = value

    @rx.event
    def open_dialog(self, mode: str, user: dict[str, Any]):
        self.dialog, self.target, self.form_error = mode, user, ""

    @rx.event
    def dialog_changed(self, is_open: bool):
        if not is_open:
            self._close()

    @rx.event
    def create(self, form: dict):
        name = (form.get("user_name") or "").strip().lower()
        if form.get("password") != form.get("confirm"):
            self.form_error = "The two passwords differ"
            return None
        return self._run(lambda: user_admin.create(
            self.user_id, name, form.get("password", ""), roles=form.get("roles", ""),
            email=form.get("email", ""), display_name=form.get("display_name", "")),
            f"User \u201c{name}\u201d created")

    @rx.event
    def save(self, form: dict):
        return self._run(lambda: user_admin.update(
            self.user_id, self.target.get("id", ""), display_name=form.get("display_name", ""),
            email=form.get("email", ""), roles=form.get("roles", "")),
            f"\u201c{self.target.get('userName', '')}\u201d saved")

    @rx.event
    def reset_password(self, form: dict):
        if form.get("password") != form.get("confirm"):
            self.form_error = "The two passwords differ"
            return None
        return self._run(lambda: user_admin.reset_password(self.user_id, self.target.get("id", ""),
                                                           form.get("password", "")),
                         f"Password of \u201c{self.target.get('userName', '')}\u201d reset")

    @rx.event
    def confirm_disable(self):
        return self._run(lambda: user_admin.disable(self.user_id, self.target.get("id", "")),
                         f"\u201c{self.target.get('userName', '')}\u201d disabled and signed out")

    @rx.event
    def enable(self, user: dict[str, Any]):
        self.target = user
        return self._run(lambda: user_admin.disable(self.user_id, user.get("id", ""), disabled=False),
                         f"\u201c{user.get('userName', '')}\u201d enabled")


def _field(label: str, name: str, type_: str = "text", default=None, hint: str = "", required=False,
           placeholder: str = ""):
    return rx.vstack(
        rx.text(label, size="2", weight="medium", as_="label", html_for=f"user-{name}"),
        rx.input(name=name, id=f"user-{name}", type=type_, default_value=default, required=required,
                 placeholder=placeholder, width="100%"),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1", width="100%",
    )


def _form_error() -> rx.Component:
    return rx.cond(UsersState.form_error != "", rx.callout(UsersState.form_error, icon="triangle-alert",
                                                           color_scheme="red", role="alert", width="100%"))


def _buttons(label: str, button_id: str) -> rx.Component:
    return rx.flex(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                   rx.button(label, type="submit", id=button_id),
                   gap="0.75rem", justify="end", width="100%")


_ROLES_HINT = "Approval groups such as manager, separated by commas. admin may manage users."


def _dialog(mode: str, title: str, description, body: rx.Component, buttons: rx.Component,
            on_submit) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title), rx.dialog.description(description, size="2", color_scheme="gray"),
            rx.form(rx.vstack(body, _form_error(), buttons, spacing="3", width="100%", margin_top="0.75rem"),
                    on_submit=on_submit, reset_on_submit=False),
            max_width="460px",
        ),
        open=UsersState.dialog == mode, on_open_change=UsersState.dialog_changed,
    )


def _dialogs() -> rx.Component:
    s, t = UsersState, UsersState.target
    create = rx.fragment(
        _field("User name", "user_name", required=True, placeholder="e.g. jane",
               hint="Lower case, no spaces or commas; used to sign in and to name approvers."),
        _field("Display name", "display_name", placeholder="Jane Doe"),
        _field("E-mail", "email", "email", placeholder="jane@example.com",
               hint="Approval requests are e-mailed here."),
        _field("Roles", "roles", hint=_ROLES_HINT, placeholder="manager"),
        _field("Password (at least 8 characters)", "password", "password", required=True),
        _field("Confirm password", "confirm", "password", required=True))
    edit = rx.fragment(
        _field("Display name", "display_name", default=t["displayName"].to(str)),
        _field("E-mail", "email", "email", default=t["email"].to(str)),
        _field("Roles", "roles", default=t["rolesText"].to(str), hint=_ROLES_HINT))
    password = rx.fragment(
        _field("New password (at least 8 characters)", "password", "password", required=True),
        _field("Confirm password", "confirm", "password", required=True))
    disable = rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Disable ", t["userName"].to(str), "?"),
            rx.alert_dialog.description(
                "They are signed out everywhere at once, cannot sign in, and their API keys stop working. "
                "Their workflows and executions stay. You can enable them again later.", size="2"),
            _form_error(),
            rx.flex(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=s.dialog_changed(False)),
                    rx.button("Disable", color_scheme="red", on_click=s.confirm_disable, id="confirm-disable"),
                    gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="440px"),
        open=s.dialog == DISABLE, on_open_change=s.dialog_changed)
    return rx.fragment(
        _dialog(CREATE, "New user", "They can sign in with this user name and password.", create,
                _buttons("Create user", "create-user"), s.create),
        _dialog(EDIT, "Edit user", t["userName"].to(str), edit, _buttons("Save", "save-user"), s.save),
        _dialog(PASSWORD, "Reset password", rx.text("A new password for ", t["userName"].to(str),
                                                    ". Their open sessions end.", as_="span"), password,
                _buttons("Reset password", "reset-password"), s.reset_password),
        disable)


_WIDE = rx.breakpoints(initial="none", md="table-cell")


def _actions(user) -> rx.Component:
    s = UsersState
    menu = rx.menu.root(
        rx.menu.trigger(rx.icon_button(rx.icon("ellipsis", size=16), variant="ghost", color_scheme="gray",
                                       aria_label="Actions for " + user["userName"].to(str),
                                       class_name="user-actions")),
        rx.menu.content(
            rx.menu.item(rx.icon("pencil", size=14), "Edit", on_click=s.open_dialog(EDIT, user)),
            rx.menu.item(rx.icon("key-round", size=14), "Reset password", on_click=s.open_dialog(PASSWORD, user)),
            rx.cond(user["isSelf"], rx.fragment(), rx.fragment(
                rx.menu.separator(),
                rx.cond(user["disabled"],
                        rx.menu.item(rx.icon("user-check", size=14), "Enable", on_click=s.enable(user),
                                     class_name="enable-user"),
                        rx.menu.item(rx.icon("user-x", size=14), "Disable", color_scheme="red",
                                     on_click=s.open_dialog(DISABLE, user), class_name="disable-user")))),
        ),
    )
    return menu


def _user_row(user) -> rx.Component:
    status = rx.cond(user["disabled"], rx.badge("Disabled", color_scheme="red", variant="soft"),
                     rx.badge("Active", color_scheme="green", variant="soft"))
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.hstack(rx.text(user["displayName"], weight="medium"),
                      rx.cond(user["isSelf"], rx.badge("you", variant="outline", size="1")), align="center"),
            rx.text(user["userName"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.cond(user["email"] != "", rx.text(user["email"], size="2"),
                              rx.text("no e-mail", size="2", color_scheme="gray")), display=_WIDE),
        rx.table.cell(rx.cond(user["roles"].to(list[str]).length() > 0,
                              rx.flex(rx.foreach(user["roles"].to(list[str]), lambda r: rx.badge(r, variant="surface")),
                                      gap="0.25rem", wrap="wrap"),
                              rx.text("none", size="2", color_scheme="gray"))),
        rx.table.cell(status),
        rx.table.cell(rx.text(user["created"], size="2", color_scheme="gray", white_space="nowrap"), display=_WIDE),
        rx.table.cell(_actions(user), justify="end"),
        class_name="user-row", data_user=user["userName"],
    )


def _users_table() -> rx.Component:
    s = UsersState
    table = rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("User"), rx.table.column_header_cell("E-mail", display=_WIDE),
            rx.table.column_header_cell("Roles"), rx.table.column_header_cell("Status"),
            rx.table.column_header_cell("Created", display=_WIDE), rx.table.column_header_cell(""))),
        rx.table.body(rx.foreach(s.shown, _user_row)),
        width="100%", variant="surface")
    no_match = rx.card(rx.vstack(
        rx.icon("search-x", size=32, color=rx.color("gray", 8)), rx.heading("No user matches", size="3"),
        rx.text("Nobody's name, e-mail or role contains \u201c", s.query, "\u201d.", size="2", color_scheme="gray"),
        rx.button("Clear the search", variant="soft", size="1", on_click=s.set_query("")),
        align="center", spacing="2", padding="2rem"), width="100%", id="no-users")
    return rx.cond(~s.loaded, rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
                   rx.cond(s.shown.length() > 0, rx.box(table, width="100%", overflow_x="auto"), no_match))


def _refused() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("shield-alert")),
        rx.callout.text("Only installation administrators may manage users. Ask an administrator to change "
                        "your roles or account."),
        color_scheme="red", role="alert", width="100%", id="users-refused")


def users_page() -> rx.Component:
    s = UsersState
    toolbar = rx.flex(
        rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search users, e-mails, roles",
                 value=s.query, on_change=s.set_query, flex="1", min_width="12rem", max_width="24rem", id="user-search"),
        rx.spacer(),
        rx.button(rx.icon("user-plus", size=16), "New user", on_click=s.open_dialog(CREATE, {}), id="new-user"),
        gap="0.75rem", width="100%", wrap="wrap", align="center")
    content = rx.vstack(
        rx.text("Everyone who can sign in to this installation. Roles route approvals (approver roles) and "
                "admin lets a user manage this page.", size="2", color_scheme="gray"),
        toolbar, rx.box(_users_table(), width="100%", id="users-list"),
        spacing="3", width="100%")
    return page_frame(
        "Users",
        rx.vstack(settings_tabs(routes.SETTINGS_USERS),
                  rx.cond(s.refused | (s.loaded & ~s.is_admin), _refused(), content),
                  spacing="4", width="100%", max_width="1000px"),
        _dialogs(),
    )
