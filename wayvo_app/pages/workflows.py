"""/workflows: the current workspace's workflows (trigger, status, Active/Off, last execution) with
search and sort, create, rename, duplicate, delete, import (file or pasted JSON) and export."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.components import workflow_table
from wayvo_app.components.layout import page_frame
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
EDITING_ROLES = ("editor", "admin")


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
    search: str = ""
    sort: str = "updated"
    load_error: str = ""

    @rx.var
    def can_edit(self) -> bool:
        """Editors and admins of the current workspace switch workflows on and off."""
        return self.workspace_role in EDITING_ROLES

    def _reload(self) -> None:
        try:
            self.rows = workflow_library.list_rows(self.user_id, self.workspace_id, self.search, self.sort)
            self.load_error = ""
        except WorkflowError as exc:
            self.rows, self.load_error = [], exc.message
        self.loaded = True

    @rx.event
    def set_search(self, text: str):
        self.search = text[:200]
        self._reload()

    @rx.event
    def set_sort(self, sort: str):
        self.sort = sort
        self._reload()

    @rx.event
    def set_active(self, workflow_id: str, active: bool):
        try:
            changed = workflow_library.set_active(workflow_id, self.user_id, active)
        except WorkflowError as exc:
            self._reload()
            return rx.toast.error(exc.message)
        self._reload()
        if changed["active"]:
            return rx.toast.success(f'"{changed["name"]}" is active')
        return rx.toast.info(f'"{changed["name"]}" is off: schedules and webhooks stop, runs are refused')

    @rx.event
    def load(self):
        if self._new_visit():
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
            workflow_id = workflow_library.create_blank(self.user_id, str(form.get("name") or ""),
                                                        self.workspace_id)
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
            cancelled = workflow_library.delete(self.target_id, self.user_id)
        except WorkflowError as exc:
            self.error = exc.message
            return None
        self.dialog = ""
        self._reload()
        runs = f"; {cancelled} execution{'s' if cancelled != 1 else ''} cancelled" if cancelled else ""
        return rx.toast.success(f'Deleted "{self.target_name}"{runs}')

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
            workflow_id = workflow_library.import_document(self.user_id, text, self.workspace_id)
        except workflow_library.ImportProblems as exc:
            self.problems = exc.problems
            return None
        except WorkflowError as exc:  # e.g. the current workspace does not let this user create workflows
            self.problems = [exc.message]
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


def _list() -> rx.Component:
    S = WorkflowsState
    found = rx.cond(S.rows.length() > 0, workflow_table.table(S),
                    rx.cond(S.search != "", workflow_table.no_match(S), _empty()))
    return rx.cond(
        S.load_error != "",
        rx.callout(S.load_error, icon="triangle-alert", color_scheme="red", id="workflows-error"),
        rx.vstack(workflow_table.toolbar(S), found, spacing="3", width="100%"),
    )


def workflows_page() -> rx.Component:
    content = rx.cond(
        ~WorkflowsState.loaded,
        rx.center(rx.spinner(size="3"), padding="3rem", width="100%"),
        _list(),
    )
    dialogs = [create_dialog(WorkflowsState), rename_dialog(WorkflowsState), delete_dialog(WorkflowsState),
               import_dialog(WorkflowsState, UPLOAD_ID)]
    return page_frame("Workflows", rx.box(content, *dialogs, width="100%", id="workflows-list"),
                      actions=_header_actions())
