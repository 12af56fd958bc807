"""The SMS example plugin, registered by configuration only, run through its NodeSpec against a real
loopback HTTP server standing in for the provider, with credentials decrypted from the database."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.helpers import create_workflow, document, drain, edge, node
from wayvo_app.core.errors import InvalidIntegrationReferencesError, NotFoundError, StepError
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.templates import TemplateScope
from wayvo_app.engine.context import StepContext
from wayvo_app.engine.http_guard import make_http_client
from wayvo_app.plugins.client_plugins import integration_specs, node_registry, reset_node_registry
from wayvo_app.services import accounts, integrations
from wayvo_app.services import executions as commands
from wayvo_app.settings import get_settings, reset_settings
from wayvo_app.store import db
from wayvo_app.store.models import Execution, ExecutionStep

API_KEY = "sms-live-key-4f9a8b7c"


class Provider(BaseHTTPRequestHandler):
    """A stand-in SMS provider: records each request; answers 200 with an id, or `status`."""

    requests: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Provider.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        payload = json.dumps({"id": f"msg-{len(Provider.requests)}"}).encode()
        self.send_response(Provider.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider():
    Provider.requests, Provider.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def setup(db_url, provider, monkeypatch):
    """Alice's SMS integration pointing at the loopback provider; the plugin set by configuration."""
    monkeypatch.setenv("WAYVO_WORKFLOW_PLUGINS", "wayvo_app.plugins.examples.sms.server:sms_server_plugin")
    monkeypatch.setenv("WAYVO_CLIENT_PLUGINS", "wayvo_app.plugins.examples.sms.client:sms_client_plugin")
    reset_settings()
    reset_node_registry()
    with db.session() as s:
        alice = accounts.create_user(s, "alice", "password1")
        bob = accounts.create_user(s, "bob", "password2")
        row = integrations.create_integration(s, alice.id, type="sms", name="Provider",
                                              config={"apiKey": API_KEY, "baseUrl": provider},
                                              known=integration_specs())
    yield {"alice": alice.id, "bob": bob.id, "integration": row.id}
    reset_node_registry()


def _ctx(user_id: str, integration_id: str, http) -> StepContext:
    with db.read_session() as s:
        credentials = integrations.credentials_for(s, integration_id, user_id)
    return StepContext(execution_id="ex-1", workflow_id="wf-1", step_id="st-1", node_id="sms1",
                       node_label="Text customer", attempt=1, user_id=user_id, user_name="alice",
                       user_roles=(), now=datetime.now(UTC),
                       scope=TemplateScope(outputs={"t1": {"phone": "+15550100", "name": "Ada"}},
                                           labels={"Trigger": "t1"}, trigger_id="t1"),
                       trigger_input={}, http=http, credentials=credentials)


def _config(integration_id: str) -> dict:
    return {"actionType": "sms/send", "integrationId": integration_id,
            "phoneNumber": "{{Trigger.phone}}", "message": "Hello {{Trigger.name}}"}


def _loopback_client():
    return make_http_client(dataclasses.replace(get_settings(), http_allowed_hosts=("127.0.0.1",)))


async def test_sms_is_sent_with_the_users_key_and_the_idempotency_key(setup):
    spec = node_registry().get("sms/send")
    async with _loopback_client() as http:
        ctx = _ctx(setup["alice"], setup["integration"], http)
        outcome = await spec.run(ctx, _config(setup["integration"]))
    assert outcome == Completed({"success": True, "messageId": "msg-1"})
    [request] = Provider.requests
    assert request["path"] == "/send" and request["body"] == {"to": "+15550100", "body": "Hello Ada"}
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert request["headers"]["Idempotency-Key"] == "ex-1:sms1"
    assert ctx.logger.lines and all(API_KEY not in line for _, line in ctx.logger.lines)
    assert API_KEY not in json.dumps(ctx.resolved_input)


async def test_a_provider_failure_fails_the_step_cleanly(setup):
    Provider.status = 500
    spec = node_registry().get("sms/send")
    async with _loopback_client() as http:
        ctx = _ctx(setup["alice"], setup["integration"], http)
        with pytest.raises(StepError, match="^Failed to send SMS$") as caught:
            await spec.run(ctx, _config(setup["integration"]))
    assert caught.value.retryable is False
    assert all(API_KEY not in line for _, line in ctx.logger.lines)


async def test_the_guarded_client_refuses_the_loopback_provider_unless_allowed(setup):
    spec = node_registry().get("sms/send")
    async with make_http_client(get_settings()) as http:
        with pytest.raises(StepError, match="loopback") as caught:
            await spec.run(_ctx(setup["alice"], setup["integration"], http), _config(setup["integration"]))
    assert API_KEY not in caught.value.message and Provider.requests == []


def test_someone_elses_integration_fails_cleanly(setup):
    document = {"nodes": [{"id": "sms1", "type": "action", "data": {
        "label": "Text", "type": "action", "config": _config(setup["integration"])}}], "edges": []}
    with db.read_session() as s:
        with pytest.raises(NotFoundError, match="Integration not found"):
            integrations.credentials_for(s, setup["integration"], setup["bob"])
        with pytest.raises(InvalidIntegrationReferencesError, match="invalid integration references"):
            integrations.check_integration_references(s, document, setup["bob"])
        integrations.check_integration_references(s, document, setup["alice"])


def _workflow(owner_id: str, integration_id: str) -> str:
    sms = node("sms1", "Text customer", "sms/send", integrationId=integration_id,
               phoneNumber="{{Trigger.phone}}", message="Order {{Trigger.orderId}} shipped")
    return create_workflow(owner_id, document([node("t", "Trigger"), sms], [edge("t", "sms1")]))


def test_the_plugin_runs_in_a_workflow_with_the_users_own_credentials(setup, monkeypatch):
    monkeypatch.setenv("WAYVO_HTTP_ALLOWED_HOSTS", "127.0.0.1")
    reset_settings()
    workflow_id = _workflow(setup["alice"], setup["integration"])
    started = commands.trigger_workflow(workflow_id=workflow_id, user_name="alice",
                                        input={"phone": "+15550100", "orderId": 7})
    drain(registry=node_registry())
    with db.read_session() as s:
        execution = s.get(Execution, started.execution_id)
        step = s.exec(ExecutionStep.__table__.select().where(ExecutionStep.node_id == "sms1")).first()
    assert execution.status == "success", execution.error
    assert step.output == {"success": True, "messageId": "msg-1"}
    assert API_KEY not in json.dumps(step.input)
    [request] = Provider.requests
    assert request["body"] == {"to": "+15550100", "body": "Order 7 shipped"}
    assert request["headers"]["Idempotency-Key"] == f"{started.execution_id}:sms1"


def test_a_workflow_using_someone_elses_integration_does_not_start(setup):
    workflow_id = _workflow(setup["bob"], setup["integration"])
    with pytest.raises(InvalidIntegrationReferencesError, match="invalid integration references"):
        commands.trigger_workflow(workflow_id=workflow_id, user_name="bob", input={})
    with db.read_session() as s:
        assert s.exec(Execution.__table__.select()).first() is None
