"""The API as the web process serves it (wayvo_app.wayvo_app sets the node registry before it
mounts the API), for the benchmarks' standalone API servers (uvicorn, granian):
`--factory benchmarks.api_server:api_app`. This module is their composition root."""

from __future__ import annotations


def api_app():
    from wayvo_app.api.app import create_api
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)
    return create_api()
