"""Builds the Reflex app: pages, the HTTP API and, in embedded mode, the engine worker."""

from __future__ import annotations

import reflex as rx

from wayvo_app import routes
from wayvo_app.api.app import create_api
from wayvo_app.components.builder.state import BuilderState
from wayvo_app.engine.registry import set_registry_source
from wayvo_app.pages import (
    approval_detail,
    approvals_inbox,
    builder,
    demo_order_status,
    execution_viewer,
    executions,
    login,
    not_found,
    settings_api_keys,
    settings_integrations,
    settings_profile,
    settings_users,
    workflows,
)
from wayvo_app.plugins.client_plugins import check_plugins, node_registry
from wayvo_app.runtime.embedded import embedded_worker_lifespan
from wayvo_app.state import AuthState, SessionGuard


def _index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100vh")


def build_app() -> rx.App:
    check_plugins()  # a broken plugin is a clear error at startup, naming the plugin
    set_registry_source(node_registry)
    app = rx.App(
        api_transformer=create_api(),
        head_components=[rx.el.meta(name="description", content="Wayvo Workflows")],
        stylesheets=["/wayvo.css"],  # app-wide fixes (text contrast), see the file
    )
    app.register_lifespan_task(embedded_worker_lifespan)
    app.add_middleware(SessionGuard())
    app.add_page(_index, route=routes.INDEX, title="Wayvo Workflows", on_load=rx.redirect(routes.WORKFLOWS))
    app.add_page(login.login_page, route=routes.LOGIN, title="Sign in · Wayvo", on_load=login.LoginState.on_load)
    app.add_page(login.setup_page, route=routes.SETUP, title="Set up · Wayvo", on_load=login.SetupState.on_load)
    app.add_page(workflows.workflows_page, route=routes.WORKFLOWS, title="Workflows · Wayvo",
                 on_load=[AuthState.require_login, workflows.WorkflowsState.load])
    app.add_page(builder.builder_page, route=builder.ROUTE, title=BuilderState.page_title,
                 on_load=[AuthState.require_login, BuilderState.load])
    app.add_page(approvals_inbox.approvals_inbox_page, route=routes.APPROVALS, title="Approvals · Wayvo",
                 on_load=[AuthState.require_login, approvals_inbox.InboxState.load])
    app.add_page(approval_detail.approval_detail_page, route=approval_detail.ROUTE, title="Approval request · Wayvo",
                 on_load=[AuthState.require_login, approval_detail.ApprovalState.load])
    app.add_page(settings_api_keys.api_keys_page, route=routes.SETTINGS_API_KEYS, title="API keys · Wayvo",
                 on_load=[AuthState.require_login, settings_api_keys.ApiKeysState.load])
    app.add_page(settings_integrations.integrations_page, route=routes.SETTINGS_INTEGRATIONS,
                 title="Integrations · Wayvo",
                 on_load=[AuthState.require_login, settings_integrations.IntegrationsState.load])
    app.add_page(settings_users.users_page, route=routes.SETTINGS_USERS, title="Users · Wayvo",
                 on_load=[AuthState.require_login, settings_users.UsersState.load])
    app.add_page(settings_profile.profile_page, route=routes.SETTINGS_PROFILE, title="Profile · Wayvo",
                 on_load=[AuthState.require_login, settings_profile.ProfileState.load])
    _add_execution_pages(app)
    app.add_page(not_found.not_found_page, route="404", title="Page not found · Wayvo",
                 on_load=AuthState.require_login)
    return app


def _add_execution_pages(app: rx.App) -> None:
    """The execution lists, the viewer and the demo page that embeds it."""
    listing = [AuthState.require_login, executions.ExecutionsState.load]
    app.add_page(executions.executions_page, route=routes.EXECUTIONS, title="Executions · Wayvo",
                 on_load=listing)
    app.add_page(executions.executions_page, route=routes.WORKFLOW_EXECUTIONS_ROUTE,
                 title=executions.ExecutionsState.page_title,
                 on_load=listing)
    app.add_page(execution_viewer.execution_viewer_page, route=routes.EXECUTION_ROUTE,
                 title=execution_viewer.ExecutionPageState.page_title,
                 on_load=[AuthState.require_login, execution_viewer.ExecutionPageState.load])
    app.add_page(demo_order_status.order_status_page, route=routes.DEMO_ORDER_STATUS, title="Order status · Wayvo",
                 on_load=[AuthState.require_login, demo_order_status.OrderStatusState.load])


app = build_app()
