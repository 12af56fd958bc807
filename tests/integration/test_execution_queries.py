"""The queries behind the execution lists and the viewer, on a real database driven by the engine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.specs import NodeSpec, Registry, RetryPolicy
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import builtin_specs, default_registry
from wayvo_app.services import executions as commands
from wayvo_app.services.execution_lists import (
    ExecutionFilter,
    execution_revision,
    list_executions,
    newest_execution,
    viewer_snapshot,
    workflow_choices,
)
from wayvo_app.services.signals import deliver_signal
from wayvo_app.store import db
from wayvo_app.store.models import Execution, utcnow


@pytest.fixture(autouse=True)
def registry(db_url):
    set_registry(default_registry())
    yield
    set_registry(None)


def _wait_doc(namespace: str = "payments") -> dict:
    nodes = [node("t", "Trigger"),
             node("w", "Wait for Event", "Wait for Event", eventNamespace=namespace, eventKey="order-{{Trigger.id}}"),
             node("c", "Check", "Condition", condition="{{Wait for Event.payload.amount}} > 10")]
    return document(nodes, [edge("t", "w"), edge("w", "c")], "Payment")


def _approval_doc() -> dict:
    nodes = [node("t", "Trigger"), node("a", "Approve", "Request Approval", title="Approve order {{Trigger.id}}",
                                        approvers="alice", approvalType="single")]
    return document(nodes, [edge("t", "a")], "Approval")


def _sleep_doc() -> dict:
    return document([node("t", "Trigger"), node("s", "Nap", "Sleep", duration="1h")], [edge("t", "s")], "Nap")


def _start(workflow_id: str, payload: dict) -> str:
    return commands.trigger_workflow(workflow_id=workflow_id, user_name="owner", input=payload).execution_id


def test_lists_filter_page_newest_first_and_say_what_paused_ones_wait_for():
    owner = make_user("owner")
    make_user("alice", roles=("approver",))
    wait_wf, approval_wf, sleep_wf = (create_workflow(owner, d) for d in (_wait_doc(), _approval_doc(), _sleep_doc()))
    first = _start(wait_wf, {"id": 1})
    second = _start(approval_wf, {"id": 2})
    third = _start(sleep_wf, {})
    drain()
    with db.read_session() as s:
        page = list_executions(s, owner, ExecutionFilter())
        assert [r["id"] for r in page.rows] == [third, second, first] and page.total == 3
        waits = {r["id"]: r["waitingFor"] for r in page.rows}
        assert waits[first] == "Event payments / order-1"
        assert waits[second] == "Approval: Approve order 2"
        assert waits[third].startswith("Wakes up at ") and waits[third].endswith(" UTC")
        assert {r["workflowName"] for r in page.rows} == {"Payment", "Approval", "Nap"}
        assert list_executions(s, owner, ExecutionFilter(status="paused")).total == 3
        assert list_executions(s, owner, ExecutionFilter(status="success")).total == 0
        only = list_executions(s, owner, ExecutionFilter(workflow_id=approval_wf))
        assert [r["id"] for r in only.rows] == [second]
        assert list_executions(s, owner, ExecutionFilter(since=utcnow() + timedelta(minutes=1))).total == 0
        assert list_executions(s, owner, ExecutionFilter(until=utcnow() - timedelta(days=1))).total == 0
        paged = list_executions(s, owner, ExecutionFilter(), page=2, page_size=2)
        assert paged.pages == 2 and [r["id"] for r in paged.rows] == [first]
        assert list_executions(s, owner, ExecutionFilter(), page=9, page_size=2).page == 2
        assert [w["name"] for w in workflow_choices(s, owner)] == ["Approval", "Nap", "Payment"]
        assert newest_execution(s, owner).id == third
        stranger = make_user("eve", roles=())
        assert list_executions(s, stranger, ExecutionFilter()).total == 0


def test_snapshot_follows_a_signal_with_waiting_time_apart_and_a_new_revision():
    owner = make_user("owner")
    execution_id = _start(create_workflow(owner, _wait_doc("shop")), {"id": 7})
    drain()
    with db.read_session() as s:
        execution = s.get(Execution, execution_id)
        paused_revision = execution_revision(s, execution_id)
        snap = viewer_snapshot(s, execution)
    assert snap.statuses == {"t": "success", "w": "paused", "c": "idle"}
    assert [w["key"] for w in snap.waits if w["kind"] == "event" and w["status"] == "waiting"] == ["order-7"]
    waiting_row = next(r for r in snap.timeline if r["nodeId"] == "w")
    assert "waiting for event" in waiting_row["waited"] and waiting_row["status"] == "paused"
    assert [r["nodeId"] for r in snap.timeline] == ["t", "w"]
    deliver_signal(namespace="shop", key="order-7", payload={"amount": 50}, user_id=owner)
    drain()
    with db.read_session() as s:
        execution = s.get(Execution, execution_id)
        assert execution_revision(s, execution_id) != paused_revision
        snap = viewer_snapshot(s, execution)
    assert snap.execution["status"] == "success" and snap.statuses == {"t": "success", "w": "success", "c": "success"}
    assert [w["status"] for w in snap.waits] == ["received"]
    rows = {r["nodeId"]: r for r in snap.timeline}
    assert rows["w"]["waited"].endswith("waiting for event") and rows["c"]["waited"] == ""
    step_w = next(st for st in snap.steps if st["nodeId"] == "w")
    assert step_w["output"]["payload"] == {"amount": 50}


def _always_fails(ctx, config):
    from wayvo_app.core.errors import StepError

    raise StepError("service unavailable", retryable=True)


def test_every_attempt_of_a_retried_step_is_in_the_snapshot():
    flaky = NodeSpec(action_type="Flaky", label="Flaky", run=_always_fails,
                     retry=RetryPolicy(max_attempts=3, initial_delay=0, backoff=1, max_delay=0))
    set_registry(Registry([*builtin_specs(), flaky]))
    owner = make_user("owner")
    doc = document([node("t", "Trigger"), node("f", "Call it", "Flaky")], [edge("t", "f")], "Flaky")
    execution_id = _start(create_workflow(owner, doc), {})
    drain()
    with db.read_session() as s:
        snap = viewer_snapshot(s, s.get(Execution, execution_id))
    attempts = [st for st in snap.steps if st["nodeId"] == "f"]
    assert [st["attempt"] for st in attempts] == [1, 2, 3]
    assert all("service unavailable" in st["error"] for st in attempts)
    assert snap.attempts["f"] == 3 and snap.statuses["f"] == "error"
    assert next(r for r in snap.timeline if r["nodeId"] == "f")["attempts"] == 3
