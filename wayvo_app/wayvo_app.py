"""Builds the Reflex app: pages, the HTTP API and, in embedded mode, the engine worker."""

from __future__ import annotations

import reflex as rx

from wayvo_app.api.app import create_api
from wayvo_app.pages import login, workflows
from wayvo_app.pages.auth_state import AuthState
from wayvo_app.runtime.embedded import embedded_worker_lifespan


def _index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100vh")


def build_app() -> rx.App:
    app = rx.App(
        api_transformer=create_api(),
        head_components=[rx.el.meta(name="description", content="Wayvo Workflows")],
    )
    app.register_lifespan_task(embedded_worker_lifespan)
    app.add_page(_index, route="/", title="Wayvo Workflows", on_load=rx.redirect("/workflows"))
    app.add_page(login.login_page, route="/login", title="Sign in · Wayvo", on_load=login.LoginState.on_load)
    app.add_page(login.setup_page, route="/setup", title="Set up · Wayvo", on_load=login.SetupState.on_load)
    app.add_page(workflows.workflows_page, route="/workflows", title="Workflows · Wayvo",
                 on_load=[AuthState.require_login, workflows.WorkflowsState.load])
    return app


app = build_app()
