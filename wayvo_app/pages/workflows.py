"""/workflows: the signed-in user's workflows (status, last execution) with create, rename,
duplicate, delete, import (file or pasted JSON) and export."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components.layout import page_frame
from wayvo_app.components.values import execution_status_badge
from wayvo_app.components.workflow_dialogs import (
    create_dialog,
    delete_dialog,
    import_dialog,
    rename_dialog,
)
from wayvo_app.core.errors import WorkflowError
from wayvo_app.services import library as workflow_library
from wayvo_app.state import AuthState

UPLOAD_ID = "import-upload"


class WorkflowsState(AuthState):
    rows: list[dict] = []
    loaded: bool = False
    dialog: str = ""  # "" | create | rename | delete | import
    target_id: str = ""
    target_name: str = ""
    open_runs: int = 0  # running or waiting executions of the workflow the delete dialog is about
    import_text: str = ""
    problems: list[str] = []
    error: str = ""

    def _reload(self) -> None:
        self.rows = workflow_library.list_rows(self.user_id)
        self.loaded = True

    @rx.event
    def load(self):
        self.dialog = self.error = ""
        if self.user_id:
            self._reload()

    def _open(self, dialog: str, workflow_id: str = "", name: str = ""):
        self.dialog, self.target_id, self.target_name = dialog, workflow_id, name
        self.problems, self.error = [], ""

    @rx.event
    def open_create(self):
        self._open("create", name="")

    @rx.event
    def open_rename(self, workflow_id: str, name: str):
        self._open("rename", workflow_id, name)

    @rx.event
    def open_delete(self, workflow_id: str, name: str):
        self._open("delete", workflow_id, name)
        try:
            self.open_runs = workflow_library.open_executions(workflow_id, self.user_id)
        except WorkflowError:
            self.open_runs = 0

    @rx.event
    def open_import(self):
        self._open("import")
        self.import_text = ""

    @rx.event
    def dialog_changed(self, is_open: bool):
        if not is_open:
            self.dialog = ""

    @rx.event
    def set_import_text(self, text: str):
        self.import_text = text

    @rx.event
    def create(self, form: dict):
        try:
            workflow_id = workflow_library.create_blank(self.user_id, str(form.get("name") or ""))
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.dialog = ""
        return rx.redirect(routes.workflow(workflow_id))

    @rx.event
    def rename(self, form: dict):
        try:
            workflow_library.rename(self.target_id, self.user_id, str(form.get("name") or ""))
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.dialog = ""
        self._reload()
        return rx.toast.success("Workflow renamed")

    @rx.event
    def delete(self):
        try:
            workflow_library.delete(self.target_id, self.user_id)
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.dialog = ""
        self._reload()
        return rx.toast.success(f'Deleted "{self.target_name}"')

    @rx.event
    def duplicate(self, workflow_id: str):
        try:
            workflow_library.duplicate(workflow_id, self.user_id)
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        self._reload()
        return rx.toast.success("Workflow duplicated")

    @rx.event
    def export(self, workflow_id: str):
        try:
            filename, text = workflow_library.export_document(workflow_id, self.user_id)
        except WorkflowError as exc:
            return rx.toast.error(exc.message)
        return rx.download(data=text, filename=filename, mime_type="application/json")

    def _import(self, text: str | bytes):
        try:
            workflow_id = workflow_library.import_document(self.user_id, text)
        except workflow_library.ImportProblems as exc:
            self.problems = exc.problems
            return None
        self.dialog, self.problems = "", []
        self._reload()
        return [rx.toast.success("Workflow imported"), rx.redirect(routes.workflow(workflow_id))]

    @rx.event
    def import_pasted(self):
        return self._import(self.import_text)

    @rx.event
    async def import_file(self, files: list[rx.UploadFile]):
        if not files:
            self.problems = ["Choose a .json file"]
            return None
        data = await files[0].read()
        return self._import(data)


def _actions_menu(row) -> rx.Component:
    item = rx.menu.item
    return rx.menu.root(
        rx.menu.trigger(rx.icon_button(rx.icon("ellipsis", size=16), variant="ghost", color_scheme="gray",
                                       aria_label="Workflow actions", class_name="wf-actions")),
        rx.menu.content(
            item(rx.icon("pencil", size=14), "Edit", on_click=rx.redirect(routes.workflow(row["id"]))),
            item(rx.icon("text-cursor-input", size=14), "Rename",
                 on_click=WorkflowsState.open_rename(row["id"], row["name"]), class_name="wf-rename"),
            item(rx.icon("copy", size=14), "Duplicate", on_click=WorkflowsState.duplicate(row["id"]),
                 class_name="wf-duplicate"),
            item(rx.icon("download", size=14), "Export JSON", on_click=WorkflowsState.export(row["id"]),
                 class_name="wf-export"),
            item(rx.icon("history", size=14), "Executions",
                 on_click=rx.redirect(routes.workflow_executions(row["id"]))),
            rx.menu.separator(),
            item(rx.icon("trash-2", size=14), "Delete…", color="red",
                 on_click=WorkflowsState.open_delete(row["id"], row["name"]), class_name="wf-delete"),
        ),
    )


def _last_execution(row) -> rx.Component:
    return rx.cond(
        row["lastStatus"] != "",
        rx.hstack(execution_status_badge(row["lastStatus"]),
                  rx.link(rx.text(row["lastAt"], size="1"),
                          href=routes.workflow_executions(row["id"]), color_scheme="gray"),
                  spacing="2", align="center"),
        rx.text("never run", size="2", color_scheme="gray"),
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(rx.text(row["name"], weight="medium"), href=routes.workflow(row["id"]),
                                         class_name="wf-open")),
        rx.table.cell(rx.badge(row["status"], color_scheme=row["statusColor"], variant="soft")),
        rx.table.cell(_last_execution(row)),
        rx.table.cell(rx.text(row["updatedAt"], size="2", color_scheme="gray")),
        rx.table.cell(_actions_menu(row), text_align="right"),
        class_name="wf-row", custom_attrs={"data-id": row["id"], "data-name": row["name"]}, align="center",
    )


def _empty() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("workflow", size=32, color=rx.color("gray", 9)),
            rx.heading("No workflows yet", size="4"),
            rx.text("Create one from scratch or import a workflow document (JSON).", color_scheme="gray",
                    align="center"),
            rx.hstack(rx.button(rx.icon("plus", size=14), "New workflow", on_click=WorkflowsState.open_create),
                      rx.button(rx.icon("upload", size=14), "Import", variant="soft",
                                on_click=WorkflowsState.open_import), spacing="2"),
            align="center", spacing="3", padding="2rem",
        ),
        width="100%",
    )


def _header_actions() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("upload", size=14), "Import", variant="soft", on_click=WorkflowsState.open_import,
                  id="import-workflow"),
        rx.button(rx.icon("plus", size=14), "New workflow", on_click=WorkflowsState.open_create,
                  id="new-workflow"),
        spacing="2",
    )


def workflows_page() -> rx.Component:
    table = rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell("Name"), rx.table.column_header_cell("Status"),
            rx.table.column_header_cell("Last execution"), rx.table.column_header_cell("Updated"),
            rx.table.column_header_cell(""),
        )),
        rx.table.body(rx.foreach(WorkflowsState.rows, _row)),
        width="100%", variant="surface",
    )
    content = rx.cond(
        ~WorkflowsState.loaded,
        rx.center(rx.spinner(size="3"), padding="3rem", width="100%"),
        rx.cond(WorkflowsState.rows.length() > 0, table, _empty()),
    )
    dialogs = [create_dialog(WorkflowsState), rename_dialog(WorkflowsState), delete_dialog(WorkflowsState),
               import_dialog(WorkflowsState, UPLOAD_ID)]
    return page_frame("Workflows", rx.box(content, *dialogs, width="100%", id="workflows-list"),
                      actions=_header_actions())
