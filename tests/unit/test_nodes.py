"""Built-in nodes as pure functions: outcomes of run and resume, field parsing, the default registry."""

import sys
import types
from datetime import UTC, datetime, timedelta

import pytest

from wayvo_app.core.errors import StepError, TemplateError
from wayvo_app.core.graph import parse_document
from wayvo_app.core.outcomes import Completed, SleepUntil, Transactional, WaitForApproval, WaitForChild
from wayvo_app.core.template_refs import TemplateScope
from wayvo_app.core.validation import validate
from wayvo_app.datasources import server_actions
from wayvo_app.engine.context import StepContext
from wayvo_app.nodes import (
    builtin_specs,
    call_action,
    condition,
    default_registry,
    request_approval,
    sleep,
    trigger,
    trigger_workflow,
    wait_for_event,
)
from wayvo_app.nodes.request_approval import NO_APPROVERS, parse_names

NOW = datetime(2025, 3, 29, 12, 0, tzinfo=UTC)
TRIGGER_INPUT = {"orderId": 1, "amount": 150, "approvers": [" Alice ", "BOB"], "note": "rush"}


def make_ctx(outputs=None, label="Step", **overrides):
    outputs = {"t1": TRIGGER_INPUT, **(outputs or {})}
    labels = {"Trigger": "t1", "Fetch": "a0"}
    values = dict(
        execution_id="exec-1", workflow_id="wf-1", step_id="step-1", node_id="n1", node_label=label,
        attempt=1, user_id="user-1", user_name="alice", user_roles=("admin",), now=NOW,
        scope=TemplateScope(outputs=outputs, labels=labels, trigger_id="t1"), trigger_input=TRIGGER_INPUT,
    )
    return StepContext(**{**values, **overrides})


# Trigger


def test_trigger_outputs_its_input():
    ctx = make_ctx()
    assert trigger.run(ctx, {"triggerType": "Manual"}) == Completed(output=TRIGGER_INPUT)


def test_next_fire_times_follow_the_time_zone_across_daylight_saving():
    after = datetime(2025, 3, 29, 6, 0, tzinfo=UTC)
    times = trigger.next_fire_times("0 9 * * *", "Europe/Berlin", after, 3)
    assert [t.astimezone(UTC) for t in times] == [  # CET, then CEST from March 30
        datetime(2025, 3, 29, 8, tzinfo=UTC), datetime(2025, 3, 30, 7, tzinfo=UTC),
        datetime(2025, 3, 31, 7, tzinfo=UTC)]
    assert all(t.hour == 9 for t in times)
    assert trigger.next_fire_times("*/15 * * * *", "", NOW, 2) == [
        NOW + timedelta(minutes=15), NOW + timedelta(minutes=30)]


# Condition


def test_condition_true_takes_the_true_branch_and_default_edges():
    ctx = make_ctx()
    outcome = condition.run(ctx, {"condition": "{{Trigger.amount}} > 100"})
    assert outcome == Completed({"result": True}, branch="true", default_taken=True)
    assert ctx.resolved_input == {"condition": "{{Trigger.amount}} > 100", "result": True}


def test_condition_false_skips_default_edges():
    outcome = condition.run(make_ctx(), {"condition": "{{Trigger.amount}} > 1000"})
    assert outcome == Completed({"result": False}, branch="false", default_taken=False)


def test_condition_missing_value_fails_loudly():
    with pytest.raises(TemplateError, match="has no value"):
        condition.run(make_ctx(), {"condition": "{{Trigger.missing}} > 1"})
    with pytest.raises(StepError):
        condition.run(make_ctx(), {"condition": "  "})


# Sleep


def test_sleep_for_a_duration():
    assert sleep.run(make_ctx(), {"duration": "1h30m"}) == SleepUntil(NOW + timedelta(minutes=90))


def test_sleep_until_a_time_and_past_times_complete_at_once():
    assert sleep.run(make_ctx(), {"until": "2025-03-30T08:00:00Z"}) == SleepUntil(
        datetime(2025, 3, 30, 8, tzinfo=UTC))
    outcome = sleep.run(make_ctx(), {"until": "2025-03-01T08:00:00+01:00"})
    assert outcome == Completed({"sleptUntil": NOW.isoformat()})


def test_sleep_rejects_bad_settings():
    assert list(sleep.validate({"duration": "5m", "until": "2025-01-01T00:00:00Z"})) == [
        "set either a duration or an until time, not both"]
    assert "needs a duration" in list(sleep.validate({}))[0]
    assert "with an offset" in list(sleep.validate({"until": "2025-01-01T00:00:00"}))[0]
    assert list(sleep.validate({"until": "{{Trigger.when}}"})) == []
    with pytest.raises(StepError, match="with an offset"):
        sleep.run(make_ctx(), {"until": "2025-05-01 10:00"})
    with pytest.raises(StepError, match="Invalid duration"):
        sleep.run(make_ctx(), {"duration": "soon"})


def test_sleep_resume_reports_the_wake_time():
    later = NOW + timedelta(minutes=5)
    assert sleep.resume(make_ctx(now=later), {"duration": "5m"}, None) == Completed(
        {"sleptUntil": later.isoformat()})
    assert sleep.resume(make_ctx(), {}, {"until": later}) == Completed({"sleptUntil": later.isoformat()})


# Request Approval


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("alice, Bob ,,", ("alice", "bob")),
        ('["Alice", "carol", "alice"]', ("alice", "carol")),
        ([" Alice ", "BOB"], ("alice", "bob")),
        ("", ()),
        (None, ()),
    ],
)
def test_approver_names_are_parsed_and_normalized(value, expected):
    assert parse_names(value, lower=True) == expected


def test_approver_roles_keep_their_case():
    assert parse_names('["Admin", " manager "]') == ("Admin", "manager")
    with pytest.raises(StepError, match="not a valid JSON array"):
        parse_names("[admin")


def test_request_approval_waits_with_rendered_fields():
    ctx = make_ctx(settings=types.SimpleNamespace(app_url="https://intranet.example"))
    outcome = request_approval.run(ctx, {
        "actionType": "Request Approval",
        "title": "Approve order {{Trigger.orderId}}",
        "description": "Amount {{Trigger.amount}}",
        "approvalType": "all",
        "approvers": "{{Trigger.approvers}}",
        "approverRoles": "manager",
        "requiredApprovals": "2",
        "expiresIn": "24h",
        "onRejection": "continue",
        "contextData": '{"amount": {{Trigger.amount}}, "note": "{{Trigger.note}}"}',
        "sendNotification": "true",
        "emailSubject": "Please decide: {{title}}",
        "approvalUrl": "https://intranet.example/approve/{{ approvalRequestId }}?e={{executionId}}",
    })
    assert outcome == WaitForApproval(
        title="Approve order 1", description="Amount 150", approval_type="all", approvers=("alice", "bob"),
        approver_roles=("manager",), required_approvals=2, expires_at=NOW + timedelta(hours=24),
        on_rejection="continue", on_expiration="error", context_data={"amount": 150, "note": "rush"},
        send_notification=True, email_subject="Please decide: Approve order 1",
        approval_url="https://intranet.example/approve/{{approvalRequestId}}?e=exec-1",
    )
    assert ctx.resolved_input["approvers"] == ["alice", "bob"]


def test_request_approval_refuses_an_approval_url_outside_app_url():
    """Issue 16 item 16: the system's own e-mail links only under APP_URL."""
    ctx = make_ctx(settings=types.SimpleNamespace(app_url="https://flows.example.com"))
    for url in ("https://evil.example/approve/{{approvalRequestId}}", "https://flows.example.com@evil.example/x",
                "https://flows.example.com.evil.example/{{approvalRequestId}}", "/\\evil.example"):
        with pytest.raises(StepError, match="approvalUrl must be a path or a URL under APP_URL"):
            request_approval.run(ctx, {"title": "Ok?", "approvers": "alice", "approvalUrl": url})
    for url in ("/my/approvals/{{approvalRequestId}}", "https://flows.example.com/a/{{ approvalRequestId }}"):
        assert request_approval.run(ctx, {"title": "Ok?", "approvers": "alice", "approvalUrl": url}).approval_url


def test_request_approval_defaults():
    outcome = request_approval.run(make_ctx(), {"title": "Ok?", "approvers": "alice"})
    assert (outcome.approval_type, outcome.on_rejection, outcome.on_expiration) == ("single", "error", "error")
    assert (outcome.expires_at, outcome.context_data, outcome.send_notification) == (None, {}, False)
    assert (outcome.email_subject, outcome.approval_url, outcome.required_approvals) == (None, None, None)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"title": "Ok?"}, NO_APPROVERS),
        ({"title": "Ok?", "approvers": " , "}, NO_APPROVERS),
        ({"title": "Ok?", "approvers": "a", "contextData": "[1, 2]"}, "contextData must be a JSON object"),
        ({"title": "Ok?", "approvers": "a", "expiresIn": "whenever"}, "Invalid duration"),
        ({"title": "Ok?", "approvers": "a", "approvalType": "most"}, "approvalType must be one of"),
        ({"title": "Ok?", "approvers": "a,b", "requiredApprovals": 3}, "only 2 approvers"),
        ({"title": "  ", "approvers": "a"}, "needs a title"),
    ],
)
def test_request_approval_refuses_bad_config(config, message):
    with pytest.raises(StepError, match=message) as caught:
        request_approval.run(make_ctx(), config)
    assert caught.value.retryable is False


DECISIONS = [
    {"userName": "alice", "decision": "rejected", "comment": "Too expensive", "decidedAt": "2025-03-29T13:00:00Z"},
    {"userName": "bob", "decision": "rejected", "comment": "", "decidedAt": "2025-03-29T13:05:00Z"},
]


def test_request_approval_resume_approved():
    decisions = [{"userName": "alice", "decision": "approved", "comment": None, "decidedAt": "x"}]
    outcome = request_approval.resume(make_ctx(), {}, {"status": "approved", "decisions": decisions,
                                                       "approvalRequestId": "ar-1"})
    assert outcome == Completed({"decision": "approved", "decisions": decisions, "approvalRequestId": "ar-1"},
                                branch="approved")


def test_request_approval_resume_rejected():
    resolution = {"status": "rejected", "decisions": DECISIONS, "approvalRequestId": "ar-1"}
    with pytest.raises(StepError) as caught:
        request_approval.resume(make_ctx(), {"onRejection": "error"}, resolution)
    assert caught.value.message == "Approval rejected by alice, bob: Too expensive"
    assert caught.value.retryable is False
    outcome = request_approval.resume(make_ctx(), {"onRejection": "continue"}, resolution)
    assert outcome == Completed({"decision": "rejected", "decisions": DECISIONS, "approvalRequestId": "ar-1"},
                                branch="rejected")


def test_request_approval_resume_expired():
    resolution = {"status": "expired", "decisions": [], "approvalRequestId": "ar-1"}
    with pytest.raises(StepError, match="^Approval request expired without a decision$"):
        request_approval.resume(make_ctx(), {}, resolution)
    outcome = request_approval.resume(make_ctx(), {"onExpiration": "continue"}, resolution)
    assert outcome == Completed({"decision": "expired", "decisions": [], "approvalRequestId": "ar-1"},
                                branch="expired")


# Wait for Event


def test_wait_for_event_waits_for_the_rendered_key():
    ctx = make_ctx()
    outcome = wait_for_event.run(ctx, {"eventNamespace": "orders", "eventKey": "order-{{Trigger.orderId}}-paid",
                                       "expiresIn": "7d", "contextData": '{"id": {{Trigger.orderId}}}'})
    assert (outcome.namespace, outcome.key, outcome.on_expiration) == ("orders", "order-1-paid", "error")
    assert outcome.expires_at == NOW + timedelta(days=7)
    assert outcome.context_data == {"id": 1}
    assert wait_for_event.run(ctx, {"eventNamespace": "n", "eventKey": "{{Trigger.orderId}}"}).key == "1"


def test_wait_for_event_needs_namespace_and_key():
    with pytest.raises(StepError, match="non-empty eventKey"):
        wait_for_event.run(make_ctx(), {"eventNamespace": "orders", "eventKey": " "})
    with pytest.raises(StepError, match="non-empty eventNamespace"):
        wait_for_event.run(make_ctx(), {"eventNamespace": "{{Trigger.approvers}}", "eventKey": "k"})


RECEIVED = {"status": "received", "payload": {"amount": 9.5}, "eventNamespace": "orders",
            "eventKey": "order-1-paid", "waitEventId": "we-1", "receivedAt": "2025-03-29T13:00:00Z",
            "receivedFrom": "Stripe key"}


def test_wait_for_event_resume_received():
    assert wait_for_event.resume(make_ctx(), {}, RECEIVED) == Completed(RECEIVED, branch="received")


def test_wait_for_event_resume_expired():
    expired = {**RECEIVED, "status": "expired", "payload": None, "receivedAt": None, "receivedFrom": None}
    with pytest.raises(StepError) as caught:
        wait_for_event.resume(make_ctx(), {"onExpiration": "error"}, expired)
    assert caught.value.message == "Event orders/order-1-paid expired before it was received"
    outcome = wait_for_event.resume(make_ctx(), {"onExpiration": "continue"}, expired)
    assert outcome == Completed(expired, branch="expired")


# Trigger Workflow


@pytest.fixture
def child_starts(monkeypatch):
    """Calls of commands.start_child_execution, faked (the step may not touch the database)."""
    calls = []

    def fake_start(session, **kwargs):
        calls.append((session, kwargs))
        return "child-1"

    try:
        import wayvo_app.services.executions as commands
    except ModuleNotFoundError:
        commands = types.ModuleType("wayvo_app.services.executions")
        monkeypatch.setitem(sys.modules, "wayvo_app.services.executions", commands)
    monkeypatch.setattr(commands, "start_child_execution", fake_start, raising=False)
    return calls


def test_trigger_workflow_starts_a_child_in_the_step_transaction(child_starts):
    ctx = make_ctx()
    outcome = trigger_workflow.run(ctx, {"workflowId": "wf-2", "input": '{"orderId": {{Trigger.orderId}}}'})
    assert isinstance(outcome, Transactional)
    assert child_starts == []  # nothing happens before the executor applies it
    assert outcome.apply("session") == Completed({"executionId": "child-1", "status": "running"})
    assert child_starts == [("session", {"parent_execution_id": "exec-1", "parent_step_id": "step-1",
                                         "workflow_id": "wf-2", "user_id": "user-1", "input": {"orderId": 1}})]


def test_trigger_workflow_can_wait_for_the_child(child_starts):
    outcome = trigger_workflow.run(make_ctx(), {"workflowId": "wf-2", "waitForCompletion": "true"})
    assert outcome.apply("session") == WaitForChild("child-1")
    assert child_starts[0][1]["input"] == {}


def test_trigger_workflow_resume():
    done = {"executionId": "child-1", "status": "success", "output": {"x": 1}, "error": None}
    assert trigger_workflow.resume(make_ctx(), {}, done) == Completed(
        {"executionId": "child-1", "status": "success", "output": {"x": 1}})
    with pytest.raises(StepError, match="child-1 failed: boom") as caught:
        trigger_workflow.resume(make_ctx(), {}, {**done, "status": "error", "error": "boom"})
    assert caught.value.retryable is False
    with pytest.raises(StepError, match="was cancelled"):
        trigger_workflow.resume(make_ctx(), {}, {**done, "status": "cancelled"})


def test_trigger_workflow_needs_a_workflow():
    with pytest.raises(StepError, match="workflowId"):
        trigger_workflow.run(make_ctx(), {"workflowId": ""})


# Call Action


def double(args):
    return {"doubled": args["n"] * 2}


async def greet(args, ctx):
    return {"greeting": f"hello {args['name']} from {ctx.user_name}"}


SERVER_ACTIONS = {"test.double": double, "test.greet": greet}


@pytest.fixture
def actions():
    yield server_actions.load_actions(["tests.unit.test_nodes:SERVER_ACTIONS"])
    for name in SERVER_ACTIONS:
        server_actions.unregister_action(name)
    server_actions._loaded_paths.discard("tests.unit.test_nodes:SERVER_ACTIONS")


async def test_call_action_runs_sync_and_async_actions(actions):
    assert sorted(actions) == ["test.double", "test.greet"]
    assert {"test.double", "test.greet"} <= set(server_actions.action_names())
    ctx = make_ctx()
    outcome = await call_action.run(ctx, {"action": "test.double", "args": '{"n": {{Trigger.amount}}}'})
    assert outcome == Completed({"doubled": 300})
    assert ctx.resolved_input == {"action": "test.double", "args": {"n": 150}}
    outcome = await call_action.run(make_ctx(), {"action": "test.greet", "args": {"name": "{{Trigger.note}}"}})
    assert outcome == Completed({"greeting": "hello rush from alice"})


async def test_call_action_errors(actions):
    with pytest.raises(StepError, match='Unknown server action "nope"'):
        await call_action.run(make_ctx(), {"action": "nope"})
    server_actions.register_action("test.bad", lambda args: {"when": datetime.now()})
    server_actions.register_action("test.raises", lambda args: 1 / 0)
    try:
        with pytest.raises(StepError, match="not JSON"):
            await call_action.run(make_ctx(), {"action": "test.bad"})
        with pytest.raises(StepError, match='"test.raises" failed: ZeroDivisionError'):
            await call_action.run(make_ctx(), {"action": "test.raises"})
    finally:
        server_actions.unregister_action("test.bad")
        server_actions.unregister_action("test.raises")


def test_register_action_refuses_a_second_function_under_a_name(actions):
    server_actions.register_action("test.double", double)  # the same function again is fine
    with pytest.raises(ValueError, match="registered twice"):
        server_actions.register_action("test.double", greet)
    with pytest.raises(ValueError, match="package.module:callable"):
        server_actions.load_actions(["no_colon_here"])


# The registry


SAMPLE_DOCUMENT = {
    "name": "Order approval",
    "nodes": [
        {"id": "t1", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "h1", "type": "action", "data": {"label": "Fetch Order", "type": "action", "config": {
            "actionType": "HTTP Request", "httpMethod": "GET",
            "endpoint": "https://api.example.com/orders/{{Trigger.orderId}}",
            "httpHeaders": '{"Accept": "application/json"}', "timeout": 10}}},
        {"id": "c1", "type": "action", "data": {"label": "Big Order", "type": "action", "config": {
            "actionType": "Condition", "condition": "{{Fetch Order.body.total}} > 100"}}},
        {"id": "a1", "type": "action", "data": {"label": "Request Approval", "type": "action", "config": {
            "actionType": "Request Approval", "title": "Approve order {{Trigger.orderId}}",
            "approvers": "alice,bob", "approvalType": "any", "expiresIn": "7d", "onRejection": "continue"}}},
        {"id": "w1", "type": "action", "data": {"label": "Wait for Payment", "type": "action", "config": {
            "actionType": "Wait for Event", "eventNamespace": "orders",
            "eventKey": "order-{{Trigger.orderId}}-paid", "expiresIn": "24h", "onExpiration": "continue"}}},
        {"id": "s1", "type": "action", "data": {"label": "Pause", "type": "action", "config": {
            "actionType": "Sleep", "duration": "5m"}}},
        {"id": "x1", "type": "action", "data": {"label": "Notify", "type": "action", "config": {
            "actionType": "Call Action", "action": "notify", "args": '{"id": "{{Trigger.orderId}}"}'}}},
        {"id": "g1", "type": "action", "data": {"label": "Ship", "type": "action", "config": {
            "actionType": "Trigger Workflow", "workflowId": "wf-ship", "waitForCompletion": "true",
            "input": '{"order": {{Wait for Payment.payload}}}'}}},
    ],
    "edges": [
        {"id": "e1", "source": "t1", "target": "h1"},
        {"id": "e2", "source": "h1", "target": "c1"},
        {"id": "e3", "source": "c1", "target": "a1", "sourceHandle": "true"},
        {"id": "e4", "source": "c1", "target": "s1", "sourceHandle": "false"},
        {"id": "e5", "source": "a1", "target": "w1", "sourceHandle": "approved"},
        {"id": "e6", "source": "a1", "target": "x1", "sourceHandle": "rejected"},
        {"id": "e7", "source": "w1", "target": "g1", "sourceHandle": "received"},
        {"id": "e8", "source": "w1", "target": "x1", "sourceHandle": "expired"},
        {"id": "e9", "source": "h1", "target": "x1", "sourceHandle": "error"},
    ],
}


def test_default_registry_validates_a_sample_document():
    registry = default_registry()
    assert validate(parse_document(SAMPLE_DOCUMENT), registry) == []


def test_default_registry_reports_bad_configs():
    document = {**SAMPLE_DOCUMENT, "nodes": [*SAMPLE_DOCUMENT["nodes"][:5], {
        "id": "s1", "type": "action", "data": {"label": "Pause", "type": "action", "config": {
            "actionType": "Sleep", "duration": "5m", "until": "2025-01-01T00:00:00Z"}}}]}
    document["edges"] = SAMPLE_DOCUMENT["edges"][:5]
    messages = [problem.message for problem in validate(parse_document(document), default_registry())]
    assert messages == ['Node "Pause" (s1): set either a duration or an until time, not both']


def test_every_builtin_spec_is_complete():
    specs = builtin_specs()
    assert [spec.action_type for spec in specs][:8] == [
        "trigger", "HTTP Request", "Condition", "Sleep", "Request Approval", "Wait for Event",
        "Trigger Workflow", "Call Action"]
    for spec in specs:
        assert spec.run is not None and spec.category and spec.icon and spec.label
    pausing = {spec.action_type for spec in specs if spec.resume is not None}
    assert {"Sleep", "Request Approval", "Wait for Event", "Trigger Workflow"} <= pausing
    with pytest.raises(ValueError, match="registered twice"):
        default_registry(extra_specs=[specs[2]])
