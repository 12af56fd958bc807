"""/settings/members: the current workspace's members and roles. Admins add a user, change a role
and remove a member (the last admin stays), rename the workspace and delete a shared one that holds
no workflows; anyone may create a shared workspace."""

from __future__ import annotations

from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame, settings_tabs
from wayvo_app.core.errors import WorkflowError
from wayvo_app.services import workspaces
from wayvo_app.state import AuthState

ROLE_HELP = {
    "admin": "Everything, plus members",
    "editor": "Workflows, integrations, API keys",
    "operator": "Sees and steers every execution",
    "member": "Runs published workflows",
}
ROLES = ["admin", "editor", "operator", "member"]


class MembersState(AuthState):
    members: list[dict[str, Any]] = []
    loaded: bool = False
    error: str = ""
    new_role: str = "member"
    remove_name: str = ""
    deleting: bool = False

    @rx.var
    def is_admin(self) -> bool:
        """Whether the member controls show: an admin of a shared workspace (a personal one has no members)."""
        return self.workspace_role == "admin" and not self.workspace_personal

    def _reload(self) -> None:
        self.error = ""
        try:
            rows = workspaces.members_of(self.workspace_id, self.user_id) if self.workspace_id else []
        except WorkflowError as exc:
            rows, self.error = [], exc.message
        self.members = [r | {"me": r["userName"] == self.user_name} for r in rows]
        self.loaded = True

    @rx.var
    def is_workspace_admin(self) -> bool:
        """Whether the rename control shows (personal workspaces too)."""
        return self.workspace_role == "admin"

    @rx.event
    def load(self):
        self.remove_name, self.deleting = "", False
        if self.user_id:
            self._reload()

    @rx.event
    def set_new_role(self, role: str):
        self.new_role = role

    @rx.event
    def add(self, form: dict):
        name = (form.get("user_name") or "").strip()
        try:
            added = workspaces.put_member(self.workspace_id, self.user_id, name, self.new_role)
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self._reload()
        return [rx.set_value("member-user-name", ""),
                rx.toast.success(f"{added['userName']} added as {added['role']}")]

    @rx.event
    def change_role(self, user_name: str, role: str):
        try:
            workspaces.put_member(self.workspace_id, self.user_id, user_name, role)
        except WorkflowError as exc:
            self._reload()
            return rx.toast.error(exc.message)
        self._load_workspaces()  # my own role may have changed
        self._reload()
        return rx.toast.success(f"{user_name} is now {role}")

    @rx.event
    def ask_remove(self, user_name: str):
        self.remove_name = user_name

    @rx.event
    def remove_dialog_changed(self, is_open: bool):
        if not is_open:
            self.remove_name = ""

    @rx.event
    def confirm_remove(self):
        name, self.remove_name = self.remove_name, ""
        try:
            workspaces.delete_member(self.workspace_id, self.user_id, name)
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        self._load_workspaces()
        self._reload()
        return rx.toast.success(f"{name} removed from {self.workspace_name}")

    @rx.event
    def rename_workspace(self, form: dict):
        try:
            renamed = workspaces.rename(self.workspace_id, self.user_id, form.get("new_name", ""))
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.error = ""
        self._load_workspaces()
        return rx.toast.success(f"Workspace renamed to \u201c{renamed['name']}\u201d")

    @rx.event
    def ask_delete_workspace(self):
        self.deleting = True

    @rx.event
    def delete_dialog_changed(self, is_open: bool):
        self.deleting = is_open

    @rx.event
    def confirm_delete_workspace(self):
        self.deleting = False
        name = self.workspace_name
        try:
            workspaces.delete(self.workspace_id, self.user_id)
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.workspace_id = ""
        self._load_workspaces()  # back to the personal workspace
        self._reload()
        return rx.toast.success(f"Workspace \u201c{name}\u201d deleted")

    @rx.event
    def create_workspace(self, form: dict):
        try:
            created = workspaces.new_workspace(self.user_id, form.get("workspace_name", ""))
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.workspace_id = created["id"]
        self._load_workspaces()
        self._reload()
        return rx.toast.success(f"Workspace \u201c{created['name']}\u201d created; you are its admin")


def _role_picker(member) -> rx.Component:
    s = MembersState
    return rx.cond(
        s.is_admin,
        rx.select(ROLES, value=member["role"], size="1", on_change=lambda role: s.change_role(member["userName"], role),
                  aria_label="Role of " + member["userName"].to(str)),
        rx.badge(member["role"], color_scheme="gray", variant="soft"),
    )


def _member_row(member) -> rx.Component:
    s = MembersState
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.hstack(rx.text(member["displayName"], weight="medium"),
                      rx.cond(member["me"], rx.badge("you", size="1", variant="outline")), align="center"),
            rx.text(member["userName"], size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(_role_picker(member)),
        rx.table.cell(rx.cond(s.is_admin, rx.button(
            rx.icon("user-minus", size=14), "Remove", size="1", color_scheme="red", variant="soft",
            on_click=s.ask_remove(member["userName"]), aria_label="Remove " + member["userName"].to(str))),
            justify="end"),
        class_name="member-row",
    )


def _members_table() -> rx.Component:
    s = MembersState
    table = rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell("Member"), rx.table.column_header_cell("Role"),
                                     rx.table.column_header_cell(""))),
        rx.table.body(rx.foreach(s.members, _member_row)),
        width="100%", variant="surface",
    )
    return rx.cond(~s.loaded, rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
                   rx.box(table, width="100%", overflow_x="auto", id="members-list"))


def _add_form() -> rx.Component:
    s = MembersState
    return rx.cond(s.is_admin, rx.card(rx.form(
        rx.vstack(
            rx.heading("Add a member", size="3"),
            rx.flex(
                rx.input(name="user_name", id="member-user-name", placeholder="User name", required=True,
                         max_length=200, flex="1", min_width="10rem", size="3"),
                rx.select(ROLES, value=s.new_role, on_change=s.set_new_role, size="3", id="member-role"),
                rx.button(rx.icon("user-plus", size=16), "Add", type="submit", size="3", id="add-member"),
                gap="0.75rem", wrap="wrap", width="100%"),
            rx.text("Admin: everything and members \u00b7 editor: workflows, integrations, API keys \u00b7 "
                    "operator: sees and steers every execution \u00b7 member: runs published workflows.",
                    size="1", color_scheme="gray"),
            spacing="3", width="100%"),
        on_submit=s.add, reset_on_submit=False, width="100%"), width="100%"),
        rx.callout("Only the workspace's admins can add, change or remove members.", icon="info",
                   color_scheme="gray", width="100%", id="not-admin"))


def _personal_notice() -> rx.Component:
    return rx.card(rx.vstack(
        rx.icon("users", size=32, color=rx.color("gray", 8)),
        rx.heading("This is your personal workspace", size="3"),
        rx.text("Only you are in it. Create a shared workspace below to work with others, then switch to it "
                "at the top right.", color_scheme="gray", size="2", align="center"),
        align="center", spacing="2", padding="1.5rem"), width="100%", id="personal-workspace")


def _create_workspace_form() -> rx.Component:
    return rx.card(rx.form(rx.vstack(
        rx.heading("Create a shared workspace", size="3"),
        rx.flex(rx.input(name="workspace_name", id="workspace-name", placeholder="Name, e.g. Finance", required=True,
                         max_length=200, flex="1", min_width="12rem", size="3"),
                rx.button(rx.icon("plus", size=16), "Create workspace", type="submit", size="3",
                          variant="soft", id="create-workspace"),
                gap="0.75rem", wrap="wrap", width="100%"),
        spacing="3", width="100%"), on_submit=MembersState.create_workspace, reset_on_submit=True, width="100%"),
        width="100%")


def _workspace_settings() -> rx.Component:
    """Rename (admins), and delete a shared workspace (admins; refused while it holds workflows)."""
    s = MembersState
    rename = rx.form(rx.flex(
        rx.input(name="new_name", id="workspace-new-name", default_value=s.workspace_name, key=s.workspace_id,
                 required=True, max_length=200, flex="1", min_width="12rem", size="3", aria_label="Workspace name"),
        rx.button(rx.icon("pencil", size=16), "Rename", type="submit", size="3", variant="soft", id="rename-workspace"),
        gap="0.75rem", wrap="wrap", width="100%"), on_submit=s.rename_workspace, width="100%")
    delete = rx.cond(~s.workspace_personal, rx.flex(
        rx.text("Deleting removes its members, integrations and API keys; it must hold no workflows.",
                size="1", color_scheme="gray", flex="1"),
        rx.button(rx.icon("trash-2", size=16), "Delete workspace", color_scheme="red", variant="soft", size="2",
                  on_click=s.ask_delete_workspace, id="delete-workspace"),
        gap="0.75rem", align="center", wrap="wrap", width="100%"))
    return rx.cond(s.is_workspace_admin, rx.card(rx.vstack(
        rx.heading("Workspace", size="3"), rename, delete, spacing="3", width="100%"), width="100%",
        id="workspace-settings"))


def _delete_dialog() -> rx.Component:
    s = MembersState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this workspace?"),
            rx.alert_dialog.description(s.workspace_name, " and its members, integrations and API keys are "
                                        "deleted; its API keys stop at once.", size="2"),
            rx.flex(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=s.delete_dialog_changed(False)),
                    rx.button("Delete", color_scheme="red", on_click=s.confirm_delete_workspace,
                              id="confirm-delete-workspace"),
                    gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="420px"),
        open=s.deleting, on_open_change=s.delete_dialog_changed,
    )


def _remove_dialog() -> rx.Component:
    s = MembersState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove this member?"),
            rx.alert_dialog.description(s.remove_name, " loses access to ", s.workspace_name,
                                        " at once, and so do the API keys they made here.", size="2"),
            rx.flex(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=s.remove_dialog_changed(False)),
                    rx.button("Remove", color_scheme="red", on_click=s.confirm_remove, id="confirm-remove"),
                    gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="420px"),
        open=s.remove_name != "", on_open_change=s.remove_dialog_changed,
    )


def members_page() -> rx.Component:
    s = MembersState
    error = rx.cond(s.error != "", rx.callout(s.error, icon="triangle-alert", color_scheme="red", role="alert",
                                              width="100%"))
    return page_frame(
        "Members",
        rx.vstack(
            settings_tabs(routes.SETTINGS_MEMBERS),
            rx.text("Workspace: ", rx.text.strong(s.workspace_name), " \u00b7 your role: ",
                    rx.text.strong(s.workspace_role), size="2", color_scheme="gray", id="current-workspace"),
            error,
            rx.cond(s.workspace_personal, _personal_notice(), _add_form()),
            rx.heading("Members", size="4", margin_top="0.5rem"),
            _members_table(),
            _workspace_settings(),
            _create_workspace_form(),
            spacing="4", width="100%", max_width="900px"),
        _remove_dialog(),
        _delete_dialog(),
    )
