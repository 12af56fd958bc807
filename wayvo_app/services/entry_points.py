"""Which access.ACTIONS row each HTTP route and each Reflex event handler answers to: the tables
that docs/permissions.md and tests/integration/test_permission_matrix.py are made from (a route
or handler of the app without a row here fails that test)."""

from __future__ import annotations

from wayvo_app import routes
from wayvo_app.services import access

NONE = "-"  # touches no workflow, execution, approval, integration, key or workspace of a team

W, X, A = routes.API_WORKFLOWS, routes.API_EXECUTIONS, routes.API_APPROVALS
WS = routes.API_WORKSPACES + "/{workspace_id}"

# (method, path as registered) -> action. Lists (GET of a collection) answer "allowed" when the
# object is listed and 404 when it is not; other routes by status (403, 404, anything else: allowed).
ROUTES: dict[tuple[str, str], str] = {
    ("POST", routes.API_LOGIN): NONE,
    ("GET", "/api/health"): NONE,
    ("POST", W): "workflow.create",
    ("GET", W): "workflow.view",  # lists only what the caller may see
    ("DELETE", W + "/{workflow_id}"): "workflow.edit",
    ("PUT", W + "/{workflow_id}/active"): "workflow.edit",
    ("GET", W + "/{workflow_id}/retention"): "workflow.view",
    ("PUT", W + "/{workflow_id}/retention"): "workflow.edit",
    ("POST", routes.hook("{token}")): NONE,  # the secret URL is the credential (and the signature, when set)
    ("GET", routes.METRICS): NONE,  # WAYVO_METRICS_TOKEN, no user
    ("GET", W + "/{workflow_id}"): "workflow.edit",
    ("PUT", W + "/{workflow_id}"): "workflow.edit",
    ("POST", W + "/{workflow_id}/publish"): "workflow.edit",
    ("POST", routes.execute("{workflow_id}")): "workflow.run",
    ("POST", routes.webhook("{workflow_id}")): "workflow.run",
    ("GET", X): "execution.view",  # lists only what the caller may see
    ("GET", X + "/{execution_id}/status"): "execution.view",
    ("GET", X + "/{execution_id}"): "execution.view",
    ("GET", X + "/{execution_id}/events"): "execution.view",
    ("POST", X + "/{execution_id}/cancel"): "execution.cancel",
    ("POST", X + "/{execution_id}/retry"): "execution.retry",
    ("POST", routes.API_SIGNAL): "event.signal",
    ("GET", A): "approval.list",
    ("GET", A + "/{request_id}"): "approval.view",
    ("POST", A + "/{request_id}/decide"): "approval.decide",
    ("POST", routes.API_INTEGRATIONS): "integration.create",
    ("GET", routes.API_INTEGRATIONS): "integration.view",
    ("DELETE", routes.API_INTEGRATIONS + "/{integration_id}"): "integration.manage",
    ("POST", routes.API_KEYS + "/create"): "key.create",
    ("GET", routes.API_KEYS): "key.view",
    ("DELETE", routes.API_KEYS + "/{key_id}"): "key.revoke",
    ("GET", routes.API_WORKSPACES): NONE,  # the caller's own memberships
    ("POST", routes.API_WORKSPACES): NONE,  # anyone makes a workspace of their own
    ("PATCH", WS): "workspace.manage",
    ("DELETE", WS): "workspace.manage",
    ("GET", WS + "/members"): "workspace.view",
    ("PUT", WS + "/members/{user_name}"): "workspace.members",
    ("DELETE", WS + "/members/{user_name}"): "workspace.members",
}

_UI = NONE  # changes only what the tab shows (dialogs, selections, the open draft before it is saved)

# "StateClass.handler" -> action, for every event handler our Reflex states define. Handlers that
# list objects answer "allowed" when the object shows in the state, 404 when it does not.
HANDLERS: dict[str, str] = {
    # the shell and the people pages (the user's own account, installation administrators)
    "AuthState.check_session": NONE, "AuthState.logout": NONE, "AuthState.require_login": NONE,
    "AuthState.switch_workspace": "workspace.view",
    "LoginState.on_load": NONE, "LoginState.submit": NONE, "SetupState.on_load": NONE, "SetupState.submit": NONE,
    "ProfileState.load": NONE, "ProfileState.save_profile": NONE, "ProfileState.change_password": NONE,
    **{f"UsersState.{h}": NONE for h in ("load", "create", "save", "reset_password", "confirm_disable", "enable",
                                         "open_dialog", "dialog_changed", "set_query")},  # installation admins: test_session_guard
    # /workflows
    "WorkflowsState.load": "workflow.view", "WorkflowsState.create": "workflow.create",
    "WorkflowsState.import_pasted": "workflow.create", "WorkflowsState.import_file": "workflow.create",
    "WorkflowsState.rename": "workflow.edit", "WorkflowsState.duplicate": "workflow.edit",
    "WorkflowsState.export": "workflow.edit", "WorkflowsState.delete": "workflow.edit",
    "WorkflowsState.set_active": "workflow.edit",
    **{f"WorkflowsState.{h}": _UI for h in ("open_create", "open_delete", "open_import", "open_rename",
                                            "dialog_changed", "set_import_text", "set_search", "set_sort")},
    # the builder
    "BuilderState.load": "workflow.edit", "BuilderState.autosave": "workflow.edit",
    "BuilderState.overwrite_draft": "workflow.edit", "BuilderState.publish": "workflow.edit",
    "BuilderState.rename_workflow": "workflow.edit", "BuilderState.restore": "workflow.edit",
    "BuilderState.start_run": "workflow.run_draft",
    **{f"BuilderState.{h}": "workflow.edit" for h in ("rotate_hook", "save_hook_secret", "remove_hook_secret",
                                                      "generate_hook_secret")},  # the webhook trigger's URL
    **{f"BuilderState.{h}": "workflow.edit" for h in ("pin_sample", "unpin_sample",  # step data
                                                      "test_selected_step")},
    "BuilderState.open_run": "workflow.edit", "BuilderState.follow_run": "workflow.edit",  # runs shown in the builder
    **{f"BuilderState.{h}": _UI for h in (
        "add_person", "node_clicked", "set_cond", "set_pin_text", "toggle_cond", "toggle_raw",
        "add_from_palette", "add_row", "auto_layout", "clear_run", "connect", "connect_to", "delete_items",
        "delete_selected", "drop_node", "duplicate_selected", "focus_node", "layout_done", "nodes_moved",
        "palette_search_key", "redo", "remove_row", "run_dialog_changed", "select", "undo", "set_choice",
        "set_description", "set_enabled", "set_flag", "set_label", "set_multi", "set_number", "set_palette_query",
        "set_retry", "set_row", "set_row_key", "set_run_input", "set_run_version", "set_side_tab", "set_text")},
    # executions and the viewer
    "ExecutionsState.load": "execution.view", "ExecutionsState.refresh": "execution.view",
    "ExecutionsState.go": "execution.view", "ExecutionsState.clear_filters": "execution.view",
    "ExecutionsState.set_filter": "execution.view",
    # bulk cancel / retry asks access.py per row (services/execution_bulk.py, test_execution_list_api.py);
    # watch reads only change markers, the reload that follows goes through load's checks
    "ExecutionsState.bulk": NONE, "ExecutionsState.watch": NONE,
    **{f"ExecutionsState.{h}": _UI for h in ("clear_selection", "leave", "set_time_zone", "toggle_page",
                                             "toggle_row")}, "ExecutionPageState.load": "execution.view",
    "OrderStatusState.load": "execution.view", "OrderStatusState.run_again": "execution.view",  # runs again an execution one sees
    "ExecutionViewerState.open": "execution.view", "ExecutionViewerState.watch": "execution.view",
    "ExecutionViewerState.cancel": "execution.cancel", "ExecutionViewerState.retry": "execution.retry",
    **{f"ExecutionViewerState.{h}": _UI for h in ("close", "select_node", "select_node_id", "clear_selection",
                                                  "ask", "dismiss", "confirmed")},  # confirmed: cancel / retry
    "OrderStatusState.open_dialog": _UI, "OrderStatusState.close_dialog": _UI,
    # approvals (decided by named approvers and approver roles, members or not)
    "InboxState.load": "approval.view", "InboxState.poll": "approval.view", "InboxState.confirm_bulk": "approval.decide",
    "InboxState.decide_one": "approval.decide",
    "ApprovalState.load": "approval.view", "ApprovalState.poll": "approval.view",
    "ApprovalState.confirm": "approval.decide", "PendingBadgeState.refresh": "approval.list",
    **{f"InboxState.{h}": _UI for h in ("ask_bulk", "bulk_dialog_changed", "cancel_bulk", "clear_results", "toggle",
                                        "toggle_all", "set_bulk_comment", "set_search", "set_tab",
                                        "set_workflow_filter", "set_sort", "toggle_preview", "dismiss_welcome")},
    **{f"ApprovalState.{h}": _UI for h in ("ask", "ask_then_next", "cancel", "dialog_changed", "set_comment")},
    # settings: integrations, API keys, members
    "IntegrationsState.load": "integration.view", "IntegrationsState.create": "integration.create",
    "IntegrationsState.confirm_delete": "integration.manage",
    **{f"IntegrationsState.{h}": _UI for h in ("ask_delete", "choose", "dialog_changed")},
    "ApiKeysState.load": "key.view", "ApiKeysState.create": "key.create", "ApiKeysState.confirm_revoke": "key.revoke",
    **{f"ApiKeysState.{h}": _UI for h in ("ask_revoke", "copy_key", "dismiss_key", "revoke_dialog_changed",
                                          "set_key_workspace", "toggle_scope")},
    "MembersState.load": "workspace.view", "MembersState.add": "workspace.members",
    "MembersState.change_role": "workspace.members", "MembersState.confirm_remove": "workspace.members",
    "MembersState.rename_workspace": "workspace.manage", "MembersState.confirm_delete_workspace": "workspace.manage",
    "MembersState.create_workspace": NONE,
    **{f"MembersState.{h}": _UI for h in ("ask_remove", "remove_dialog_changed", "set_new_role",
                                          "ask_delete_workspace", "delete_dialog_changed")},
}


def entry_points_markdown() -> str:
    """Two tables: each route and each event handler with the action it answers to."""
    lines = ["## HTTP routes", "", "| route | action |", "|---|---|"]
    lines += [f"| `{method} {path}` | {_cell(action)} |" for (method, path), action in ROUTES.items()]
    lines += ["", "## Event handlers of the pages", "", "| handler | action |", "|---|---|"]
    lines += [f"| `{name}` | {_cell(action)} |" for name, action in sorted(HANDLERS.items()) if action != NONE]
    quiet = sorted(name for name, action in HANDLERS.items() if action == NONE)
    lines += ["", "Handlers that touch no workflow, execution, approval, integration, key or workspace "
              "(dialogs, selections, edits of the open draft before autosave, the user's own account, "
              "installation administrators): " + ", ".join(f"`{name}`" for name in quiet) + "."]
    return "\n".join(lines) + "\n"


def _cell(action: str) -> str:
    return "none" if action == NONE else f"`{action}`"


def permissions_document() -> str:
    """The whole of docs/permissions.md."""
    return access.DOC_HEAD + access.permissions_markdown() + "\n" + entry_points_markdown()


if __name__ == "__main__":
    print(permissions_document(), end="")
