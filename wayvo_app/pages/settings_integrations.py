"""/settings/integrations: the current workspace's credentials per integration (an SMS provider, a mail service),
stored encrypted and never shown again; add with the integration's own form fields, delete."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame, settings_tabs
from wayvo_app.core.errors import WorkflowError
from wayvo_app.core.times import ago
from wayvo_app.plugins.client_plugins import integration_specs
from wayvo_app.services import integrations
from wayvo_app.state import AuthState


def _types() -> list[dict[str, Any]]:
    return [{"type": spec.type, "label": spec.label, "description": spec.description, "icon": spec.icon,
             "fields": [{"key": f.key, "label": f.label, "type": f.type, "placeholder": f.placeholder,
                         "required": f.required} for f in spec.form_fields]}
            for spec in integration_specs().values()]


class IntegrationsState(AuthState):
    rows: list[dict[str, Any]] = []
    types: list[dict[str, Any]] = []
    selected_type: str = ""
    loaded: bool = False
    error: str = ""
    delete_id: str = ""
    delete_name: str = ""

    @rx.var
    def fields(self) -> list[dict[str, Any]]:
        return next((t["fields"] for t in self.types if t["type"] == self.selected_type), [])

    def _reload(self) -> None:
        labels = {t["type"]: t["label"] for t in self.types}
        now = datetime.now(UTC)
        self.rows = [{"id": r.id, "name": r.name, "type": labels.get(r.type, r.type),
                      "created": ago(r.created_at, now)}
                     for r in integrations.integrations_of(self.user_id, workspace_id=self.workspace_id or None)]
        self.loaded = True

    @rx.event
    def load(self):
        self.types = _types()
        self.selected_type = self.selected_type or (self.types[0]["type"] if self.types else "")
        if self._new_visit():
            self.error = self.delete_id = ""
        if self.user_id:
            self._reload()

    @rx.event
    def choose(self, value: str):
        if value:  # a form reset reports "": keep the chosen integration
            self.selected_type, self.error = value, ""

    @rx.event
    def create(self, form: dict):
        self.error = ""
        config = {k: v for k, v in form.items() if k not in ("name",) and v != ""}
        try:
            integrations.add_integration(self.user_id, type=self.selected_type, name=form.get("name", ""),
                                         config=config, known=integration_specs(),
                                         workspace_id=self.workspace_id or None)
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self._reload()
        return [rx.toast.success("Integration saved; its secrets are stored encrypted"),
                rx.call_script("document.getElementById('integration-form').reset()")]

    @rx.event
    def ask_delete(self, integration_id: str, name: str):
        self.delete_id, self.delete_name = integration_id, name

    @rx.event
    def dialog_changed(self, is_open: bool):
        if not is_open:
            self.delete_id = ""

    @rx.event
    def confirm_delete(self):
        integration_id, self.delete_id = self.delete_id, ""
        try:
            integrations.remove_integration(self.user_id, integration_id)
        except WorkflowError as exc:
            self.error = exc.message
        self._reload()


def _field(field) -> rx.Component:
    return rx.vstack(
        rx.text(field["label"], size="2", weight="medium"),
        rx.input(name=field["key"], type=rx.cond(field["type"] == "password", "password",
                                                   rx.cond(field["type"] == "url", "url", "text")),
                 placeholder=field["placeholder"], required=field["required"], width="100%",
                 auto_complete="off", aria_label=field["label"]),
        spacing="1", width="100%")


def _form() -> rx.Component:
    s = IntegrationsState
    picker = rx.select.root(
        rx.select.trigger(placeholder="Integration", width="100%", aria_label="Integration type"),
        rx.select.content(rx.foreach(s.types, lambda t: rx.select.item(t["label"], value=t["type"]))),
        value=s.selected_type, on_change=s.choose)
    return rx.card(rx.form(rx.vstack(
        rx.heading("Connect an account", size="3"),
        rx.text("Credentials are encrypted at rest and never shown again. Only your workflows can use them.",
                size="2", color_scheme="gray"),
        rx.vstack(rx.text("Integration", size="2", weight="medium"), picker, spacing="1", width="100%"),
        rx.vstack(rx.text("Name", size="2", weight="medium"),
                  rx.input(name="name", placeholder="e.g. Production SMS account", required=True, width="100%"),
                  spacing="1", width="100%"),
        rx.foreach(s.fields, _field),
        rx.cond(s.error != "", rx.callout(s.error, icon="triangle-alert", color_scheme="red", role="alert",
                                          width="100%")),
        rx.button(rx.icon("plug", size=16), "Save integration", type="submit", id="save-integration"),
        spacing="3", width="100%"), on_submit=s.create, id="integration-form", width="100%"), width="100%")


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(rx.badge(row["type"], variant="soft")),
        rx.table.cell(rx.text(row["created"], color_scheme="gray")),
        rx.table.cell(rx.button(rx.icon("trash-2", size=14), "Delete", size="1", color_scheme="red", variant="soft",
                                on_click=IntegrationsState.ask_delete(row["id"], row["name"])), justify="end"))


def _list() -> rx.Component:
    s = IntegrationsState
    table = rx.table.root(
        rx.table.header(rx.table.row(rx.table.column_header_cell("Name"), rx.table.column_header_cell("Type"),
                                     rx.table.column_header_cell("Added"), rx.table.column_header_cell(""))),
        rx.table.body(rx.foreach(s.rows, _row)), width="100%", variant="surface")
    empty = rx.card(rx.vstack(rx.icon("plug", size=32, color=rx.color("gray", 8)),
                              rx.heading("No integrations yet", size="3"),
                              rx.text("Connect an account above; plugin nodes then pick it by name.",
                                      color_scheme="gray", size="2"),
                              align="center", spacing="2", padding="2rem"), width="100%")
    return rx.cond(~s.loaded, rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
                   rx.cond(s.rows.length() > 0, rx.box(table, width="100%", overflow_x="auto"), empty))


def _delete_dialog() -> rx.Component:
    s = IntegrationsState
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Delete this integration?"),
        rx.alert_dialog.description("\u201c", s.delete_name, "\u201d will be removed. Workflows that use it will "
                                    "fail to start until they pick another one.", size="2"),
        rx.flex(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=s.dialog_changed(False)),
                rx.button("Delete", color_scheme="red", on_click=s.confirm_delete, id="confirm-delete"),
                gap="0.75rem", justify="end", margin_top="1rem"), max_width="420px"),
        open=s.delete_id != "", on_open_change=s.dialog_changed)


def integrations_page() -> rx.Component:
    return page_frame("Integrations", rx.vstack(
        settings_tabs(routes.SETTINGS_INTEGRATIONS), _form(), rx.heading("Your integrations", size="4", margin_top="0.5rem"),
        rx.box(_list(), width="100%", id="integrations-list"), spacing="4", width="100%", max_width="900px"),
        _delete_dialog())
