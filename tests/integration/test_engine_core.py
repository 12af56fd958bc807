"""The engine end to end on a real database: chains, branches, merges, retries, pins, cancel."""

from __future__ import annotations

import threading

import pytest

from tests.helpers import chain, create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.errors import StepError, WorkflowNotFoundError
from wayvo_app.core.outcomes import Completed, SleepUntil
from wayvo_app.core.specs import ConfigField, NodeSpec, Registry, RetryPolicy
from wayvo_app.engine.registry import set_registry
from wayvo_app.services import executions as commands
from wayvo_app.services import workflows
from wayvo_app.store import db
from wayvo_app.store.models import Execution

CALLS: list[tuple[str, str]] = []
FLAKY: dict[str, int] = {}


def _noop(ctx, config):
    CALLS.append((ctx.node_id, ctx.idempotency_key))
    return Completed({"node": ctx.node_id, "value": ctx.render(config.get("value", ""))})


def _branch(ctx, config):
    flag = bool(ctx.evaluate(config["condition"]))
    return Completed({"result": flag}, branch="true" if flag else "false", default_taken=flag)


async def _flaky(ctx, config):
    FLAKY[ctx.node_id] = FLAKY.get(ctx.node_id, 0) + 1
    if FLAKY[ctx.node_id] < int(config.get("succeedOn", 99)):
        raise StepError("temporary failure", retryable=True)
    return Completed({"tries": FLAKY[ctx.node_id]})


def _boom(ctx, config):
    raise StepError("it broke")


RESUMED_ON: dict[str, int] = {}


def _pause(ctx, config):
    return SleepUntil(ctx.now)  # due at once: the next claim resumes it


def _resumed(ctx, config, resolution):
    RESUMED_ON[ctx.node_id] = threading.get_ident()
    return Completed({"resumed": ctx.node_id})


REGISTRY = Registry([
    NodeSpec("trigger", "Trigger", kind="trigger", run=lambda ctx, cfg: Completed(ctx.trigger_input)),
    NodeSpec("Noop", "Noop", run=_noop, config_fields=(ConfigField("value", "Value"),)),
    NodeSpec("Branch", "Branch", run=_branch, handles=("true", "false"),
             config_fields=(ConfigField("condition", "Condition", required=True),)),
    NodeSpec("Flaky", "Flaky", run=_flaky, retry=RetryPolicy(max_attempts=3, initial_delay=0, backoff=1)),
    NodeSpec("Boom", "Boom", run=_boom),
    NodeSpec("Fatal", "Fatal", run=_boom, retry=RetryPolicy(max_attempts=3, initial_delay=0, backoff=1)),
    NodeSpec("PauseInline", "PauseInline", run=_pause, resume=_resumed, resume_inline=True),
    NodeSpec("PauseThreaded", "PauseThreaded", run=_pause, resume=_resumed),
])


@pytest.fixture(autouse=True)
def registry(db_url):
    set_registry(REGISTRY)
    CALLS.clear()
    FLAKY.clear()
    yield REGISTRY
    set_registry(None)


def _execution(execution_id: str) -> Execution:
    with db.read_session() as s:
        return s.get(Execution, execution_id)


def _statuses(execution_id: str) -> dict[str, str]:
    with db.read_session() as s:
        return {st.node_id: st.status for st in commands.steps_of(s, execution_id)}


def test_chain_runs_in_order_with_templates_and_finishes(registry):
    owner = make_user()
    doc = chain("Noop", "Noop", "Noop")
    doc["nodes"][2]["data"]["config"]["value"] = "{{Step 1.node}}-{{Trigger.x}}"
    wf = create_workflow(owner, doc)
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"x": 7})
    assert result.status == "running"
    drain(registry=registry)
    execution = _execution(result.execution_id)
    assert execution.status == "success"
    assert [c[0] for c in CALLS] == ["n1", "n2", "n3"]
    assert CALLS[0][1] == f"{result.execution_id}:n1"
    assert execution.output == {"node": "n3", "value": ""}
    with db.read_session() as s:
        steps = {st.node_id: st for st in commands.steps_of(s, result.execution_id)}
    assert steps["n2"].output["value"] == "n1-7"


def test_condition_branches_skip_the_other_side_and_merge_waits(registry):
    owner = make_user()
    nodes = [node("t", "Trigger"), node("c", "Check", "Branch", condition="{{Trigger.amount}} > 100"),
             node("yes", "Big", "Noop"), node("no", "Small", "Noop"), node("m", "Merge", "Noop")]
    edges = [edge("t", "c"), edge("c", "yes", "true"), edge("c", "no", "false"), edge("yes", "m"),
             edge("no", "m")]
    wf = create_workflow(owner, document(nodes, edges))
    big = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"amount": 500})
    small = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"amount": 5})
    drain(registry=registry)
    assert _statuses(big.execution_id) == {"t": "success", "c": "success", "yes": "success",
                                           "no": "skipped", "m": "success"}
    assert _statuses(small.execution_id)["yes"] == "skipped"
    assert sum(1 for n, _ in CALLS if n == "m") == 2  # once per execution


def test_parallel_branches_merge_once(registry):
    owner = make_user()
    nodes = [node("t", "Trigger"), node("a", "A", "Noop"), node("b", "B", "Noop"), node("m", "M", "Noop")]
    wf = create_workflow(owner, document(nodes, [edge("t", "a"), edge("t", "b"), edge("a", "m"),
                                                  edge("b", "m")]))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    assert _execution(result.execution_id).status == "success"
    assert sorted(n for n, _ in CALLS) == ["a", "b", "m"]


def test_disabled_node_passes_through(registry):
    owner = make_user()
    doc = chain("Noop", "Noop", "Noop")
    doc["nodes"][2]["data"]["enabled"] = False
    wf = create_workflow(owner, doc)
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    assert _statuses(result.execution_id) == {"t": "success", "n1": "success", "n2": "skipped", "n3": "success"}


def test_retries_then_success_keeps_every_attempt(registry):
    owner = make_user()
    doc = chain("Flaky")
    doc["nodes"][1]["data"]["config"]["succeedOn"] = 3
    wf = create_workflow(owner, doc)
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    assert _execution(result.execution_id).status == "success"
    with db.read_session() as s:
        attempts = [(st.attempt, st.status) for st in commands.steps_of(s, result.execution_id) if st.node_id == "n1"]
    assert attempts == [(1, "error"), (2, "error"), (3, "success")]


def test_failure_after_retries_fails_execution_with_node_message(registry):
    owner = make_user()
    wf = create_workflow(owner, chain("Flaky", "Noop"))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    execution = _execution(result.execution_id)
    assert execution.status == "error"
    assert 'Node "Step 1" failed: temporary failure (attempt 3 of 3)' == execution.error
    assert "n2" not in _statuses(result.execution_id)


def test_a_non_retryable_failure_does_not_count_attempts(registry):
    """Issue 16 item 13: "(attempt n of m)" only when a retry was possible."""
    owner = make_user()
    wf = create_workflow(owner, chain("Fatal"))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    execution = _execution(result.execution_id)
    assert execution.error == 'Node "Step 1" failed: it broke'
    with db.read_session() as s:
        steps = [st for st in commands.steps_of(s, result.execution_id) if st.node_id == "n1"]
    assert [(st.attempt, st.error) for st in steps] == [(1, "it broke")]


def test_error_handle_is_taken_when_a_node_fails(registry):
    owner = make_user()
    nodes = [node("t", "Trigger"), node("x", "Explode", "Boom"), node("ok", "After", "Noop"),
             node("h", "Handler", "Noop")]
    wf = create_workflow(owner, document(nodes, [edge("t", "x"), edge("x", "ok"), edge("x", "h", "error")]))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    assert _statuses(result.execution_id) == {"t": "success", "x": "error", "ok": "skipped", "h": "success"}
    assert _execution(result.execution_id).status == "success"


def test_unknown_workflow_and_other_owner_raise_not_found(registry):
    owner = make_user()
    make_user("mallory", roles=())
    wf = create_workflow(owner, chain("Noop"))
    with pytest.raises(WorkflowNotFoundError, match="Workflow not found"):
        commands.trigger_workflow(workflow_id="nope", user_name="owner")
    with pytest.raises(WorkflowNotFoundError, match="Workflow not found"):
        commands.trigger_workflow(workflow_id=wf, user_name="mallory")


def test_trigger_in_callers_transaction_rolls_back_with_it(registry):
    owner = make_user()
    wf = create_workflow(owner, chain("Noop"))
    with pytest.raises(RuntimeError):
        with db.session() as s:
            result = commands.trigger_workflow(workflow_id=wf, user_name="owner", session=s)
            raise RuntimeError("caller failed")
    assert _execution(result.execution_id) is None
    with db.session() as s:
        kept = commands.trigger_workflow(workflow_id=wf, user_name="owner", session=s)
    drain(registry=registry)
    assert _execution(kept.execution_id).status == "success"


def test_executions_stay_pinned_to_their_published_version(registry):
    owner = make_user()
    doc = chain("Noop")
    doc["nodes"][1]["data"]["config"]["value"] = "v1"
    wf = create_workflow(owner, doc, publish=True)
    first = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    doc["nodes"][1]["data"]["config"]["value"] = "v2"
    with db.session() as s:
        workflows.update_workflow(s, wf, owner, doc)
    second = commands.trigger_workflow(workflow_id=wf, user_name="owner")  # still v1 (published)
    with db.session() as s:
        workflows.publish_workflow(s, wf, owner)
    third = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    old = commands.trigger_workflow(workflow_id=wf, user_name="owner", version=1)
    drain(registry=registry)
    values = [_execution(r.execution_id).output["value"] for r in (first, second, third, old)]
    assert values == ["v1", "v1", "v2", "v1"]


def test_cancel_stops_at_once_and_nothing_runs_after(registry):
    owner = make_user()
    wf = create_workflow(owner, chain("Noop", "Noop"))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    commands.cancel_execution(result.execution_id, owner)
    drain(registry=registry)
    assert _execution(result.execution_id).status == "cancelled"
    assert CALLS == []
    assert _statuses(result.execution_id)["n1"] == "cancelled"


def test_retry_from_failed_keeps_outputs_and_retry_from_start_reruns(registry):
    owner = make_user()
    wf = create_workflow(owner, chain("Noop", "Flaky", "Noop"))
    result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
    drain(registry=registry)
    assert _execution(result.execution_id).status == "error"
    CALLS.clear()
    FLAKY.clear()
    with db.session() as s:
        s.get(Execution, result.execution_id)
    # make the flaky node succeed on its first try of the retried execution
    registry.get("Flaky").retry  # noqa: B018 - unchanged policy
    FLAKY["n2"] = 98
    retried = commands.retry_execution(result.execution_id, owner, "failed")
    drain(registry=registry)
    assert _execution(retried.id).status == "success"
    assert [n for n, _ in CALLS] == ["n3"]  # n1 was not run again
    assert _execution(retried.id).retry_of_id == result.execution_id
    CALLS.clear()
    again = commands.retry_execution(result.execution_id, owner, "start")
    drain(registry=registry)
    assert [n for n, _ in CALLS][0] == "n1" and _execution(again.id).status in ("success", "error")


def test_a_resume_declared_inline_runs_on_the_workers_loop_and_another_in_a_thread(registry):
    """NodeSpec.resume_inline: the built-in pause nodes' resume (a rearranged resolution) takes no
    thread hop; any other resume (a plugin's) keeps its thread, so it cannot stall the loop."""
    owner = make_user()
    nodes = [node("t", "Trigger"), node("i", "Inline", "PauseInline"), node("p", "Threaded", "PauseThreaded")]
    wf = create_workflow(owner, document(nodes, [edge("t", "i"), edge("i", "p")]))
    execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id
    RESUMED_ON.clear()
    drain()  # asyncio.run on this thread: the worker's loop runs here
    assert _execution(execution_id).status == "success"
    assert RESUMED_ON["i"] == threading.get_ident()
    assert RESUMED_ON["p"] != threading.get_ident()


def test_the_built_in_pause_nodes_resume_inline():
    from wayvo_app.plugins.client_plugins import node_registry

    inline = {spec.action_type for spec in node_registry().all() if spec.resume_inline}
    assert inline == {"Wait for Event", "Request Approval", "Sleep", "Trigger Workflow"}
