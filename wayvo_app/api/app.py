"""Builds a fresh FastAPI app for every rx.App (a shared instance breaks a second app in tests)."""

from __future__ import annotations

from fastapi import FastAPI

from wayvo_app import routes
from wayvo_app.api import (
    routes_auth,
    routes_executions,
    routes_health,
    routes_hooks,
    routes_integrations,
    routes_metrics,
    routes_stream,
    routes_waits,
    routes_workflow_list,
    routes_workflows,
    routes_workspaces,
)
from wayvo_app.api.body_guard import BodyGuard
from wayvo_app.api.docs import install_openapi
from wayvo_app.api.errors import install_error_handlers
from wayvo_app.api.upload_guard import UploadGuard


def create_api() -> FastAPI:
    api = FastAPI(title="Wayvo Workflows API", version="1.0", docs_url=None, redoc_url=None,
                  openapi_url=routes.API_OPENAPI)
    install_error_handlers(api)
    api.include_router(routes_auth.router)
    api.include_router(routes_integrations.router)
    api.include_router(routes_executions.router)  # before /api/workflows/{workflow_id}: GET .../executions
    api.include_router(routes_workflow_list.router)
    api.include_router(routes_workflows.router)
    api.include_router(routes_stream.router)
    api.include_router(routes_waits.router)
    api.include_router(routes_workspaces.router)
    api.include_router(routes_health.router)
    api.include_router(routes_hooks.router)
    api.include_router(routes_metrics.router)
    install_openapi(api)
    api.add_middleware(BodyGuard)
    api.add_middleware(UploadGuard)  # Reflex's /_upload is mounted below this app
    return api
