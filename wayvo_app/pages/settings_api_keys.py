"""/settings/api-keys: create a workflow API key for a workspace, with scopes and an optional expiry
(shown once, with a copy button), list and revoke."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame, settings_tabs
from wayvo_app.core.errors import WorkflowError
from wayvo_app.core.times import ago, stamp
from wayvo_app.services import api_keys
from wayvo_app.state import AuthState

SCOPE_HELP = [("execute", "Run workflows, webhooks, read executions"), ("signal", "Send signals to waiting events"),
              ("approve", "List, read and decide approvals"), ("manage", "Everything else you may do")]


def _row(key, workspace_names: dict[str, str], creator: str = "") -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"id": key.id, "name": key.name, "creator": creator, "prefix": key.key_prefix + "…", "created": stamp(key.created_at),
            "createdAgo": ago(key.created_at, now),
            "lastUsed": ago(key.last_used_at, now) if key.last_used_at else "never",
            "workspace": workspace_names.get(key.workspace_id, "—"), "scopes": ", ".join(key.scopes or ()),
            "expires": stamp(key.expires_at) if key.expires_at else "No expiry"}


class ApiKeysState(AuthState):
    keys: list[dict[str, Any]] = []
    loaded: bool = False
    error: str = ""
    new_key: str = ""  # the secret, shown once: cleared when dismissed or when the page loads again
    new_key_name: str = ""
    copied: bool = False
    revoke_id: str = ""
    revoke_name: str = ""
    key_workspace: str = ""
    key_scopes: list[str] = list(api_keys.DEFAULT_SCOPES)

    def _reload(self) -> None:
        names = {w["id"]: w["label"] for w in self.workspace_options}
        self.keys = [_row(k, names, creator) for k, creator in api_keys.keys_with_creators(self.user_id)]
        self.loaded = True

    @rx.event
    def set_key_workspace(self, workspace_id: str):
        self.key_workspace = workspace_id

    @rx.event
    def toggle_scope(self, scope: str, on: bool):
        wanted = set(self.key_scopes) | {scope} if on else set(self.key_scopes) - {scope}
        self.key_scopes = [name for name in api_keys.SCOPES if name in wanted]

    @rx.event
    def load(self):
        if self._new_visit():  # a reconnect keeps the key shown once and an open dialog
            self.new_key = self.new_key_name = self.error = self.revoke_id = ""
            self.copied = False
            self.key_workspace = self.workspace_id
            self.key_scopes = list(api_keys.DEFAULT_SCOPES)
        if self.user_id:
            self._reload()

    @rx.event
    def create(self, form: dict):
        self.error, self.copied = "", False
        try:
            created = api_keys.new_api_key(self.user_id, form.get("name", ""),
                                           workspace_id=self.key_workspace or self.workspace_id or None,
                                           scopes=self.key_scopes, expires_at=form.get("expires_at") or None)
            self.new_key, self.new_key_name = created.key, created.row.name
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self._reload()
        return [rx.set_value("key-name", ""), rx.set_value("key-expiry", "")]

    @rx.event
    def copy_key(self):
        self.copied = True
        return rx.set_clipboard(self.new_key)

    @rx.event
    def dismiss_key(self):
        self.new_key = self.new_key_name = ""
        self.copied = False

    @rx.event
    def ask_revoke(self, key_id: str, name: str):
        self.revoke_id, self.revoke_name = key_id, name

    @rx.event
    def revoke_dialog_changed(self, is_open: bool):
        if not is_open:
            self.revoke_id = ""

    @rx.event
    def confirm_revoke(self):
        key_id, self.revoke_id = self.revoke_id, ""
        try:
            api_keys.revoke(self.user_id, key_id)
        except WorkflowError as exc:
            self.error = exc.message
        self._reload()
        return rx.toast.success(f"API key \u201c{self.revoke_name}\u201d revoked")


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", weight="medium", color_scheme="gray"), control, spacing="1")


def _toggler(scope: str):
    return lambda on: ApiKeysState.toggle_scope(scope, on)


def _key_options() -> rx.Component:
    """Workspace, scopes and expiry of the new key."""
    s = ApiKeysState
    scopes = rx.flex(*[
        rx.tooltip(rx.checkbox(name, checked=s.key_scopes.contains(name), id=f"scope-{name}",
                               on_change=_toggler(name)), content=help_text)
        for name, help_text in SCOPE_HELP], gap="1rem", wrap="wrap")
    workspace = rx.select.root(
        rx.select.trigger(id="key-workspace", min_width="12rem", aria_label="Workspace of the key"),
        rx.select.content(rx.foreach(s.workspace_options, lambda w: rx.select.item(w["label"], value=w["id"]))),
        value=s.key_workspace, on_change=s.set_key_workspace)
    expiry = rx.input(type="date", name="expires_at", id="key-expiry", aria_label="Expires on (optional)")
    return rx.flex(_labelled("Workspace", workspace), _labelled("Scopes", scopes),
                   _labelled("Expires (optional, end of day UTC)", expiry), gap="1.25rem", wrap="wrap",
                   align="start", width="100%")


def _create_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Create an API key", size="3"),
                rx.text("Keys let other systems trigger workflows and send signals. A key acts as you, with "
                        "your current role in its workspace, and only within its scopes.",
                        size="2", color_scheme="gray"),
                rx.flex(
                    rx.input(name="name", id="key-name", placeholder="Name, e.g. Stripe webhook", required=True,
                             max_length=200, flex="1", min_width="12rem", size="3"),
                    rx.button(rx.icon("plus", size=16), "Create key", type="submit", size="3", id="create-key"),
                    gap="0.75rem", wrap="wrap", width="100%"),
                _key_options(),
                rx.cond(ApiKeysState.error != "", rx.callout(ApiKeysState.error, icon="triangle-alert",
                                                              color_scheme="red", role="alert", width="100%")),
                spacing="3", width="100%",
            ),
            on_submit=ApiKeysState.create, reset_on_submit=False, width="100%",
        ),
        width="100%",
    )


def _new_key() -> rx.Component:
    s = ApiKeysState
    return rx.cond(s.new_key != "", rx.callout.root(
        rx.vstack(
            rx.hstack(rx.callout.icon(rx.icon("key-round")),
                      rx.text("Your new key \u201c", s.new_key_name, "\u201d", weight="bold"), align="center"),
            rx.text("Copy it now: it will not be shown again. Wayvo keeps only a hash of it.",
                    size="2", weight="medium", id="key-warning"),
            rx.flex(
                rx.code(s.new_key, id="new-key", size="3", variant="outline", word_break="break-all",
                        padding="0.4rem 0.6rem", flex="1", min_width="0"),
                rx.button(rx.cond(s.copied, rx.icon("check", size=16), rx.icon("copy", size=16)),
                          rx.cond(s.copied, "Copied", "Copy"), on_click=s.copy_key, id="copy-key", variant="solid"),
                gap="0.75rem", align="center", width="100%", wrap="wrap"),
            rx.button("I have stored it", variant="soft", color_scheme="gray", size="1", on_click=s.dismiss_key,
                      id="dismiss-key"),
            spacing="3", width="100%"),
        color_scheme="amber", width="100%", id="new-key-box",
    ))


_WIDE = rx.breakpoints(initial="none", sm="table-cell")
_NARROW = rx.breakpoints(initial="block", sm="none")
_INLINE = rx.breakpoints(initial="none", sm="inline")


def _key_row(key) -> rx.Component:
    # On a phone the prefix moves under the name and the created column hides, so Revoke stays visible.
    return rx.table.row(
        rx.table.row_header_cell(rx.text(key["name"], weight="medium", word_break="break-word"),
                                 rx.text("by " + key["creator"].to(str), size="1", color_scheme="gray"),
                                 rx.code(key["prefix"], variant="ghost", size="1", display=_NARROW)),
        rx.table.cell(rx.code(key["prefix"], variant="ghost"), display=_WIDE),
        rx.table.cell(rx.text(key["workspace"], size="2"), display=_WIDE),
        rx.table.cell(rx.text(key["scopes"], size="2", color_scheme="gray"), class_name="key-scopes"),
        rx.table.cell(rx.text(key["expires"], size="2", color_scheme="gray", white_space="nowrap"), display=_WIDE),
        rx.table.cell(rx.text(key["createdAgo"], title=key["created"], color_scheme="gray", white_space="nowrap"),
                      display=_WIDE),
        rx.table.cell(rx.text(key["lastUsed"], color_scheme="gray", white_space="nowrap")),
        rx.table.cell(rx.button(rx.icon("trash-2", size=14), rx.text("Revoke", display=_INLINE), size="1",
                                color_scheme="red", variant="soft",
                                on_click=ApiKeysState.ask_revoke(key["id"], key["name"]),
                                aria_label="Revoke " + key["name"].to(str)), justify="end"),
        class_name="key-row",
    )


def _keys_table() -> rx.Component:
    table = rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("Name"), rx.table.column_header_cell("Key", display=_WIDE),
            rx.table.column_header_cell("Workspace", display=_WIDE), rx.table.column_header_cell("Scopes"),
            rx.table.column_header_cell("Expires", display=_WIDE),
            rx.table.column_header_cell("Created", display=_WIDE), rx.table.column_header_cell("Last used"),
            rx.table.column_header_cell(""),
        )),
        rx.table.body(rx.foreach(ApiKeysState.keys, _key_row)),
        width="100%", variant="surface",
    )
    empty = rx.card(rx.vstack(
        rx.icon("key-round", size=32, color=rx.color("gray", 8)), rx.heading("No API keys yet", size="3"),
        rx.text("Create one above to call the webhook or signal API.", color_scheme="gray", size="2",
                align="center"),
        align="center", spacing="2", padding="2rem"), width="100%", id="no-keys")
    return rx.cond(~ApiKeysState.loaded, rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
                   rx.cond(ApiKeysState.keys.length() > 0, rx.box(table, width="100%", overflow_x="auto"), empty))


def _revoke_dialog() -> rx.Component:
    s = ApiKeysState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Revoke this API key?"),
            rx.alert_dialog.description("\u201c", s.revoke_name, "\u201d stops working at once. Systems that use "
                                        "it will get 401 errors.", size="2"),
            rx.flex(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=s.revoke_dialog_changed(False)),
                    rx.button("Revoke", color_scheme="red", on_click=s.confirm_revoke, id="confirm-revoke"),
                    gap="0.75rem", justify="end", margin_top="1rem"),
            max_width="420px",
        ),
        open=s.revoke_id != "", on_open_change=s.revoke_dialog_changed,
    )


def api_keys_page() -> rx.Component:
    return page_frame(
        "API keys",
        rx.vstack(settings_tabs(routes.SETTINGS_API_KEYS), _create_form(), _new_key(), rx.heading("Your keys", size="4", margin_top="0.5rem"),
                  rx.box(_keys_table(), width="100%", id="api-keys-list"),
                  spacing="4", width="100%", max_width="900px"),
        _revoke_dialog(),
    )
