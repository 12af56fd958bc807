"""A plugin package from outside the repository (tests/plugin_package), installed with pip as its
own distribution into a temporary directory (never into the project's virtualenv), registered by
configuration only, and used end to end: its step runs in a workflow, named by its actionLabel."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.components.builder.palette import palette
from wayvo_app.components.viewer.canvas import flow_nodes
from wayvo_app.engine import registry as engine_registry
from wayvo_app.plugins.client_plugins import (
    check_plugins,
    integration_specs,
    node_registry,
    reset_node_registry,
)
from wayvo_app.services import execution_lists, execution_views
from wayvo_app.services import executions as commands
from wayvo_app.settings import reset_settings
from wayvo_app.store import db

PACKAGE = Path(__file__).resolve().parents[1] / "plugin_package"


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    """pip installs the package (not editable, no dependencies: wayvo-app is the running one)."""
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--no-cache-dir", "--target", str(target), str(PACKAGE)],
                   check=True, capture_output=True, timeout=120)
    return target


@pytest.fixture
def greeter(site_dir, monkeypatch):
    monkeypatch.syspath_prepend(str(site_dir))
    monkeypatch.setenv("WAYVO_WORKFLOW_PLUGINS", "wayvo_greeter.server:greeter_server_plugin")
    monkeypatch.setenv("WAYVO_CLIENT_PLUGINS", "wayvo_greeter.client:greeter_client_plugin")
    reset_settings()
    reset_node_registry()
    yield site_dir
    for name in [m for m in sys.modules if m == "wayvo_greeter" or m.startswith("wayvo_greeter.")]:
        del sys.modules[name]
    reset_node_registry()


def test_the_package_is_its_own_distribution_outside_the_repository(greeter):
    dist = next(d for d in importlib.metadata.distributions(path=[str(greeter)]))
    assert (dist.metadata["Name"], dist.version) == ("wayvo-greeter-plugin", "0.1.0")
    import wayvo_greeter

    assert Path(wayvo_greeter.__file__).is_relative_to(greeter)  # the installed copy, not tests/
    assert not Path(wayvo_greeter.__file__).is_relative_to(PACKAGE)


def test_configured_it_adds_a_node_to_the_built_ins(greeter):
    check_plugins()  # the startup check: both halves paired, the step function imports
    registry = node_registry()
    spec = registry.get("greeter/greet")
    assert spec.label == "Greet" and spec.category == "Greeter" and spec.step_label == "Greet someone"
    assert "HTTP Request" in registry and "greeter" in integration_specs()
    [group] = [g for g in palette(registry) if g["category"] == "Greeter"]
    assert group["items"][0]["icon"] == "party-popper"


def test_its_step_runs_in_a_workflow_named_by_its_action_label(greeter, db_url):
    owner = make_user("alice", roles=())
    greet = node("g1", "Welcome Ada", "greeter/greet", name="{{Trigger.name}}", salutation="Welcome")
    workflow_id = create_workflow(owner, document([node("t", "Trigger"), greet], [edge("t", "g1")]))
    started = commands.trigger_workflow(workflow_id=workflow_id, user_name="alice", input={"name": "Ada"})
    drain(registry=node_registry())
    details = execution_views.details_of(started.execution_id, owner)
    assert details["status"] == "success", details["error"]
    [step] = [st for st in details["steps"] if st["nodeId"] == "g1"]
    assert step["output"] == {"success": True, "greeting": "Welcome, Ada!"}
    assert (step["label"], step["actionLabel"]) == ("Welcome Ada", "Greet someone")
    [log] = [entry for entry in details["logs"] if entry["nodeId"] == "g1"]
    assert (log["label"], log["message"]) == ("Welcome Ada", "Greeted Ada")
    with db.read_session() as s:
        snapshot = execution_lists.viewer_snapshot(s, execution_lists.owned_execution(s, started.execution_id, owner))
    [row] = [r for r in snapshot.timeline if r["nodeId"] == "g1"]
    assert (row["label"], row["action"]) == ("Welcome Ada", "Greet someone")
    [viewer_node] = [n for n in flow_nodes(snapshot.graph, snapshot.statuses, snapshot.attempts) if n["id"] == "g1"]
    assert viewer_node["data"]["action"] == "Greet someone"
    assert engine_registry.step_labels(snapshot.graph)["g1"] == "Welcome Ada"


def test_an_empty_name_fails_the_step_with_the_plugins_message(greeter, db_url):
    owner = make_user("bob", roles=())
    greet = node("g1", "Greet nobody", "greeter/greet", name="{{Trigger.name}}")
    workflow_id = create_workflow(owner, document([node("t", "Trigger"), greet], [edge("t", "g1")]))
    started = commands.trigger_workflow(workflow_id=workflow_id, user_name="bob", input={"name": ""})
    drain(registry=node_registry())
    details = execution_views.details_of(started.execution_id, owner)
    assert details["status"] == "error"
    assert details["error"] == 'Node "Greet nobody" failed: Nobody to greet: the Name field is empty'
