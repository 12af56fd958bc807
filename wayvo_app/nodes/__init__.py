"""Built-in node types, one module each (a module-level SPEC and run); the default registry.
To add a built-in node, append its module path to BUILTIN_NODE_MODULES.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from wayvo_app.core.specs import NodeSpec, Registry

BUILTIN_NODE_MODULES: list[str] = [
    "wayvo_app.nodes.trigger",
    "wayvo_app.nodes.http_request",
    "wayvo_app.nodes.condition",
    "wayvo_app.nodes.sleep",
    "wayvo_app.nodes.request_approval",
    "wayvo_app.nodes.wait_for_event",
    "wayvo_app.nodes.trigger_workflow",
    "wayvo_app.nodes.call_action",
    "wayvo_app.nodes.send_email",
    "wayvo_app.nodes.datasource_query",
    "wayvo_app.nodes.datasource_insert",
    "wayvo_app.nodes.datasource_update",
    "wayvo_app.nodes.datasource_delete",
]


def builtin_specs() -> list[NodeSpec]:
    """The SPEC of every module in BUILTIN_NODE_MODULES, in that order."""
    return [importlib.import_module(name).SPEC for name in BUILTIN_NODE_MODULES]


def default_registry(extra_specs: Iterable[NodeSpec] = ()) -> Registry:
    """The built-in nodes plus `extra_specs` (plugin actions); a duplicate action type raises."""
    return Registry([*builtin_specs(), *extra_specs])
