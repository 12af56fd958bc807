"""Any lucide icon name of a plugin reaches the canvas and the palette as a lucide name, and the
canvas component draws names outside its bundled set through lucide's DynamicIcon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.test_plugins import client, server
from wayvo_app.components.builder.canvas import canvas_nodes
from wayvo_app.components.builder.palette import palette
from wayvo_app.nodes import default_registry
from wayvo_app.plugins.registry import lucide_name, plugin_specs
from wayvo_app.plugins.types import IntegrationSpec, WorkflowClientPlugin

FLOW_JSX = Path(__file__).resolve().parents[2] / "wayvo_app/components/builder/builder_flow.jsx"


def _registry(icon: str):
    echo = client()
    plugin = WorkflowClientPlugin(IntegrationSpec(**{**echo.integration.__dict__, "icon": icon}))
    return default_registry(extra_specs=plugin_specs([server()], [plugin]))


@pytest.mark.parametrize(("icon", "expected"), [
    ("rocket", "rocket"), ("MessageSquare", "message-square"), ("shopping_cart", "shopping-cart"),
    ("CircleDollarSign", "circle-dollar-sign"), ("", "plug"),
])
def test_plugin_icons_become_lucide_names(icon, expected):
    assert lucide_name(icon) == expected
    registry = _registry(icon)
    [item] = [i for group in palette(registry) for i in group["items"] if i["actionType"] == "echo/say"]
    assert item["icon"] == expected
    doc = {"nodes": [{"id": "a1", "data": {"label": "Say", "config": {"actionType": "echo/say"}}}], "edges": []}
    assert canvas_nodes(doc, registry)[0]["data"]["icon"] == expected


def test_the_canvas_draws_icons_outside_its_bundled_set_by_name():
    source = FLOW_JSX.read_text()
    assert 'import { DynamicIcon } from "lucide-react/dynamic";' in source
    bundled = re.search(r"const ICONS = \{(.*?)\};", source, re.S).group(1)
    assert "rocket" not in bundled  # so a plugin's "rocket" goes through the dynamic lookup
    node_icon = re.search(r"function NodeIcon\(\{ name \}\) \{(.*?)\n\}", source, re.S).group(1)
    assert "ICONS[name]" in node_icon and "<DynamicIcon name={kebab}" in node_icon
    assert "fallback={BoxIcon}" in node_icon  # an unknown name still draws the box, never nothing
    assert "<NodeIcon name={data.icon} />" in source
