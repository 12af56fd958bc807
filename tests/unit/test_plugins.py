"""Plugin types and the registry: specs built from plugins, startup errors naming the plugin,
lazy step imports cached, and the plugin step runner (sync/async, failures, secrets)."""

from __future__ import annotations

import importlib
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wayvo_app.core.errors import PluginError, StepError
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import ConfigField, OutputField
from wayvo_app.core.templates import TemplateScope
from wayvo_app.engine.context import SECRET_MASK, StepContext
from wayvo_app.plugins.client_plugins import (
    CLIENT_PLUGINS,
    EXAMPLE_CLIENT_PLUGIN,
    EXAMPLE_SERVER_PLUGIN,
    check_plugins,
    integration_specs,
    node_registry,
    reset_node_registry,
)
from wayvo_app.plugins.examples.sms.client import sms_client_plugin
from wayvo_app.plugins.examples.sms.server import sms_server_plugin
from wayvo_app.plugins.registry import (
    load_client_plugins,
    load_server_plugins,
    plugin_specs,
    validate_plugins,
)
from wayvo_app.plugins.types import (
    FormField,
    IntegrationSpec,
    PluginAction,
    StepImporter,
    WorkflowClientPlugin,
    WorkflowServerPlugin,
    import_object,
)

STEPS_PATH = "wayvo_app.plugins.examples.sms.steps:send_sms_step"


def echo_step(input):
    return {"success": True, "echo": input}


def client(actions=None, form_fields=(), label="Echo", type="echo") -> WorkflowClientPlugin:
    actions = actions or (PluginAction("say", "Say", "Echo the text", label,
                                       config_fields=(ConfigField("text", "Text", required=True),),
                                       output_fields=(OutputField("echo"),)),)
    return WorkflowClientPlugin(IntegrationSpec(type, label, "Echoes", "repeat", tuple(form_fields),
                                                tuple(actions)))


def server(function=echo_step, action_id="echo/say", name="tests.echo:plugin") -> WorkflowServerPlugin:
    return WorkflowServerPlugin(step_importers=[StepImporter(action_id, step_function=function)], name=name)


ECHO_CLIENT, ECHO_SERVER = client(), server(name="")


def make_ctx(credentials=None) -> StepContext:
    return StepContext(execution_id="ex1", workflow_id="wf1", step_id="st1", node_id="n1", node_label="Echo",
                       attempt=1, user_id="u1", user_name="alice", user_roles=(),
                       now=datetime(2025, 1, 1, tzinfo=UTC),
                       scope=TemplateScope(outputs={"t1": {"name": "Ada"}}, labels={"Trigger": "t1"},
                                           trigger_id="t1"),
                       trigger_input={"name": "Ada"}, credentials=credentials)


def test_a_client_action_becomes_a_node_spec_like_a_built_in():
    [spec] = plugin_specs([server()], [client()])
    assert spec.action_type == "echo/say" and spec.label == "Say" and spec.category == "Echo"
    assert spec.icon == "repeat" and spec.integration_type == "echo"
    assert [f.key for f in spec.config_fields] == ["text"]
    assert [f.field for f in spec.output_fields] == ["echo"]


def test_an_integration_with_credentials_gets_an_integration_picker():
    [spec] = plugin_specs([sms_server_plugin], [sms_client_plugin])
    assert [f.key for f in spec.config_fields] == ["integrationId", "phoneNumber", "message"]
    assert spec.field("integrationId").required


def test_category_must_be_the_integration_label():
    bad = client(actions=[PluginAction("say", "Say", "", "Other")])
    with pytest.raises(PluginError, match='Client plugin "Echo".*category "Other".*label "Echo"'):
        plugin_specs([server()], [bad])


def test_duplicate_action_ids_name_the_plugin():
    with pytest.raises(PluginError, match='Client plugin "Echo" \\(echo\\): duplicate action id "echo/say"'):
        plugin_specs([server()], [client(), client()])
    with pytest.raises(PluginError, match='"tests.other:plugin": duplicate action id "echo/say"'):
        plugin_specs([server(), server(name="tests.other:plugin")], [client()])


def test_an_action_without_a_step_importer_is_a_startup_error():
    with pytest.raises(PluginError, match='action "echo/say" has no step importer'):
        plugin_specs([], [client()])


def test_a_step_function_that_cannot_be_found_fails_validation_naming_the_plugin():
    broken = WorkflowServerPlugin([StepImporter("echo/say", import_path="wayvo_app.plugins.types:nope")],
                                  name="my.plugins:broken")
    plugin_specs([broken], [client()])  # lazy: nothing imported yet
    with pytest.raises(PluginError, match='"my.plugins:broken": step function of "echo/say" cannot be found'):
        validate_plugins([broken], [client()])
    missing_module = WorkflowServerPlugin([StepImporter("echo/say", import_path="no_such_pkg.steps:run")])
    with pytest.raises(PluginError, match="Cannot import module \"no_such_pkg.steps\""):
        validate_plugins([missing_module], [client()])


def test_a_step_importer_needs_exactly_one_source():
    with pytest.raises(PluginError, match="exactly one"):
        StepImporter("echo/say")
    with pytest.raises(PluginError, match="exactly one"):
        StepImporter("echo/say", step_function=echo_step, import_path=STEPS_PATH)


def test_form_fields_have_known_types():
    with pytest.raises(PluginError, match='type "email"'):
        FormField("x", "X", type="email")
    assert FormField("apiKey", "API Key", "password").key == "apiKey"
    assert FormField("k", "K", config_key="other").key == "other"


def test_lazy_import_happens_on_first_use_and_is_cached(monkeypatch):
    calls = []
    real_import = importlib.import_module

    def counting_import(name, *args):
        calls.append(name)
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", counting_import)
    importer = StepImporter("sms/send", import_path=STEPS_PATH)
    assert calls == []
    first = importer.load()
    second = importer.load()
    assert first is second and first.__name__ == "send_sms_step"
    assert calls == ["wayvo_app.plugins.examples.sms.steps"]


def test_building_the_registry_does_not_import_step_modules(monkeypatch):
    monkeypatch.delitem(sys.modules, "wayvo_app.plugins.examples.sms.steps", raising=False)
    specs = plugin_specs([WorkflowServerPlugin([StepImporter("sms/send", import_path=STEPS_PATH)])],
                         [sms_client_plugin])
    assert [s.action_type for s in specs] == ["sms/send"]
    assert "wayvo_app.plugins.examples.sms.steps" not in sys.modules


def test_server_plugins_load_from_paths_named_by_their_path():
    [plugin] = load_server_plugins(["wayvo_app.plugins.examples.sms.server:sms_server_plugin"])
    assert plugin.name == "wayvo_app.plugins.examples.sms.server:sms_server_plugin"
    with pytest.raises(PluginError, match='Workflow plugin "wayvo_app.plugins.types:FormField" is a type'):
        load_server_plugins(["wayvo_app.plugins.types:FormField"])
    with pytest.raises(PluginError, match='Workflow plugin "nope" cannot be loaded'):
        load_server_plugins(["nope"])
    assert import_object("wayvo_app.plugins.types:FormField") is FormField


def test_node_registry_has_built_ins_and_the_sms_example_only_when_configured(monkeypatch):
    from wayvo_app.settings import load_settings

    monkeypatch.delenv("WAYVO_WORKFLOW_PLUGINS", raising=False)
    monkeypatch.delenv("WAYVO_CLIENT_PLUGINS", raising=False)
    reset_node_registry()
    registry = node_registry(load_settings())
    assert "HTTP Request" in registry and "sms/send" not in registry  # the example is opt-in
    assert sms_client_plugin not in CLIENT_PLUGINS and "sms" not in integration_specs(load_settings())
    monkeypatch.setenv("WAYVO_WORKFLOW_PLUGINS", EXAMPLE_SERVER_PLUGIN)
    monkeypatch.setenv("WAYVO_CLIENT_PLUGINS", EXAMPLE_CLIENT_PLUGIN)
    registry = node_registry(load_settings())
    assert "sms/send" in registry and "HTTP Request" in registry  # added to the built-ins
    assert registry.get("sms/send").category == "SMS"
    assert registry.get("sms/send").step_label == "Send SMS"
    assert integration_specs(load_settings())["sms"].label == "SMS"
    reset_node_registry()


def test_a_server_plugin_without_its_client_plugin_is_a_startup_error_naming_both(monkeypatch):
    from wayvo_app.settings import load_settings

    monkeypatch.setenv("WAYVO_WORKFLOW_PLUGINS", EXAMPLE_SERVER_PLUGIN)
    monkeypatch.delenv("WAYVO_CLIENT_PLUGINS", raising=False)
    reset_node_registry()
    with pytest.raises(PluginError, match=f'Workflow plugin "{EXAMPLE_SERVER_PLUGIN}": action "sms/send" has no '
                                          'client plugin; add the client plugin of integration "sms" to '
                                          r"WAYVO_CLIENT_PLUGINS \(client plugins: none\)"):
        check_plugins(load_settings())
    monkeypatch.setenv("WAYVO_WORKFLOW_PLUGINS", f"tests.unit.test_plugins:ECHO_SERVER,{EXAMPLE_SERVER_PLUGIN}")
    monkeypatch.setenv("WAYVO_CLIENT_PLUGINS", "tests.unit.test_plugins:ECHO_CLIENT")
    with pytest.raises(PluginError, match='client plugins: "tests.unit.test_plugins:ECHO_CLIENT"'):
        node_registry(load_settings())
    reset_node_registry()


def test_a_client_plugin_without_its_server_plugin_is_a_startup_error_naming_both(monkeypatch):
    from wayvo_app.settings import load_settings

    monkeypatch.delenv("WAYVO_WORKFLOW_PLUGINS", raising=False)
    monkeypatch.setenv("WAYVO_CLIENT_PLUGINS", EXAMPLE_CLIENT_PLUGIN)
    reset_node_registry()
    with pytest.raises(PluginError, match=f'Client plugin "SMS" \\(sms\\) from "{EXAMPLE_CLIENT_PLUGIN}": action '
                                          '"sms/send" has no step importer; add the server plugin declaring it '
                                          r"to WAYVO_WORKFLOW_PLUGINS \(server plugins: none\)"):
        check_plugins(load_settings())
    reset_node_registry()


def test_client_plugins_load_from_paths_named_by_their_path():
    [plugin] = load_client_plugins([EXAMPLE_CLIENT_PLUGIN])
    assert plugin.name == EXAMPLE_CLIENT_PLUGIN and plugin.integration == sms_client_plugin.integration
    with pytest.raises(PluginError, match=f'Client plugin "{EXAMPLE_SERVER_PLUGIN}" is a WorkflowServerPlugin'):
        load_client_plugins([EXAMPLE_SERVER_PLUGIN])
    with pytest.raises(PluginError, match='Client plugin "nope:x" cannot be loaded'):
        load_client_plugins(["nope:x"])


def test_env_example_names_objects_that_exist():
    """Every "pkg.module:object" path in .env.example imports (a user copies these lines)."""
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    settings = r"WAYVO_(?:WORKFLOW_PLUGINS|CLIENT_PLUGINS|DATA_SOURCES|SERVER_ACTIONS)"
    values = re.findall(rf"^#?\s*{settings}=(.*)$", text, flags=re.M)
    paths = [part.strip() for value in values for part in value.split(",") if part.strip()]
    assert EXAMPLE_SERVER_PLUGIN in paths and EXAMPLE_CLIENT_PLUGIN in paths
    for path in paths:
        assert import_object(path) is not None


async def test_sync_and_async_steps_run_with_rendered_input():
    async def async_step(input, ctx):
        return {"success": True, "text": input["text"], "node": ctx.node_id}

    [sync_spec] = plugin_specs([server()], [client()])
    result = await sync_spec.run(make_ctx(), {"actionType": "echo/say", "text": "Hi {{Trigger.name}}"})
    assert result == Completed({"success": True, "echo": {"text": "Hi Ada"}})
    [async_spec] = plugin_specs([server(async_step)], [client()])
    result = await async_spec.run(make_ctx(), {"text": "{{Trigger.name}}"})
    assert result.output == {"success": True, "text": "Ada", "node": "n1"}


async def test_success_false_fails_the_step_without_retry():
    [spec] = plugin_specs([server(lambda input: {"success": False, "error": "Nope"})], [client()])
    with pytest.raises(StepError, match="^Nope$") as caught:
        await spec.run(make_ctx(), {"text": "x"})
    assert caught.value.retryable is False


async def test_a_raising_step_is_retryable_and_secrets_are_masked():
    secret = "sk-live-very-secret"

    def leaky(input, ctx):
        ctx.logger.info(f"calling with {ctx.credentials['apiKey']}")
        raise RuntimeError(f"provider rejected key {secret}")

    fields = (FormField("apiKey", "API Key", "password"),)
    [spec] = plugin_specs([server(leaky)], [client(form_fields=fields)])
    ctx = make_ctx(credentials={"apiKey": secret})
    with pytest.raises(StepError) as caught:
        await spec.run(ctx, {"text": "x", "integrationId": "i1"})
    assert caught.value.retryable is True
    assert secret not in caught.value.message and SECRET_MASK in caught.value.message
    assert ctx.logger.lines == [("info", f"calling with {SECRET_MASK}")]


async def test_credentials_are_required_when_the_integration_has_form_fields():
    [spec] = plugin_specs([server()], [client(form_fields=(FormField("apiKey", "API Key", "password"),))])
    with pytest.raises(StepError, match="needs echo credentials"):
        await spec.run(make_ctx(credentials=None), {"text": "x"})


async def test_a_step_returning_no_dict_fails():
    [spec] = plugin_specs([server(lambda input: "done")], [client()])
    with pytest.raises(StepError, match="returned str; expected a dict"):
        await spec.run(make_ctx(), {"text": "x"})
