"""The step's integration credentials never land in recorded data: inputs, outputs, logs and
errors are masked, the URL-encoded form too (issue 16 item 15)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import NodeSpec, Registry
from wayvo_app.engine.context import SECRET_MASK
from wayvo_app.engine.registry import set_registry
from wayvo_app.plugins.client_plugins import integration_specs
from wayvo_app.services import executions as commands
from wayvo_app.services import integrations
from wayvo_app.store import db
from wayvo_app.store.models import Execution

SECRET = "sk-live-9f8e7d6c5b4a/+="


def _leak(ctx, config):
    key = ctx.credentials["apiKey"]
    ctx.resolved_input = {"url": f"https://api.example/send?key={quote(key, safe='')}",
                          "headers": {"X-Custom-Token": key}}
    ctx.logger.info(f"calling with {key}")
    if config.get("fail"):
        raise StepError(f"provider refused key {key}")
    return Completed({"echo": key, "nested": [{"auth": f"Bearer {key}"}]})


REGISTRY = Registry([
    NodeSpec("trigger", "Trigger", kind="trigger", run=lambda ctx, cfg: Completed(ctx.trigger_input)),
    NodeSpec("sms/leak", "Leak", run=_leak),
])


@pytest.fixture
def registry(db_url, sms_example):
    set_registry(REGISTRY)
    yield REGISTRY
    set_registry(None)


def _recorded(execution_id: str) -> str:
    with db.read_session() as s:
        execution = s.get(Execution, execution_id)
        steps = commands.steps_of(s, execution_id)
        from wayvo_app.store.execution_reads import logs_of

        logs = logs_of(s, execution_id)
        return repr([execution.error, execution.output, [(st.input, st.output, st.error) for st in steps],
                     [log.message for log in logs]])


@pytest.mark.parametrize("fail", [False, True])
def test_credential_values_are_masked_everywhere_they_are_recorded(registry, fail):
    owner = make_user()
    with db.session() as s:
        integration = integrations.create_integration(s, owner, type="sms", name="SMS", config={"apiKey": SECRET},
                                                      known=integration_specs()).id
    config = {"integrationId": integration, **({"fail": "yes"} if fail else {})}
    wf = create_workflow(owner, document([node("t", "Trigger"), node("l", "Leak", "sms/leak", **config)],
                                         [edge("t", "l")]))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    recorded = _recorded(result.execution_id)
    assert SECRET not in recorded and quote(SECRET, safe="") not in recorded
    assert SECRET_MASK in recorded
    with db.read_session() as s:
        assert s.get(Execution, result.execution_id).status == ("error" if fail else "success")
