"""The API alone as a uvicorn factory, composed like the app does it (the node registry from the
configured plugins): the web tier of tests/integration/test_supervised_prod.py."""

from __future__ import annotations

from fastapi import FastAPI

from wayvo_app.api.app import create_api
from wayvo_app.engine.registry import set_registry_source
from wayvo_app.plugins.client_plugins import node_registry


def make_api() -> FastAPI:
    set_registry_source(node_registry)
    return create_api()
