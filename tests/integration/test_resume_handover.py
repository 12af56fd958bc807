"""The step a signal (or a deciding approval) hands to a local worker carries what the worker would otherwise read (its
world and the wait's outcome), equal to that read; the execution is running again at once; a
signal from outside the workspace touches nothing. On PostgreSQL a signal records the resumed wait
in its own transaction and hands its successor instead (tests/integration/test_resume_recorded_here.py);
the tests of the step handed as it is turn that off (WAYVO_GROUP_COMMIT=0), as on SQLite."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.helpers import create_workflow, document, edge, make_user, node
from wayvo_app.core.errors import NoWaitingEventError
from wayvo_app.engine import wakeup
from wayvo_app.engine.loader import load_world
from wayvo_app.runtime.embedded import start_worker_thread
from wayvo_app.services import executions as commands
from wayvo_app.services.decisions import decide_approval
from wayvo_app.services.signals import signal_event
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store import waits as store_waits
from wayvo_app.store.models import ApprovalRequest, Execution, ExecutionStep, WaitEvent, utcnow


class Catcher:
    """A LocalRunner that keeps what it is handed (and never runs it)."""

    owner = "catcher:1"
    lease = timedelta(seconds=60)

    def __init__(self):
        self.handed, self.reserved, self.detach = [], 0, None

    def attach(self) -> None:
        """Subscribed only once the execution paused: whatever else may hand steps to a local
        worker (a trigger) has run by then on the real worker."""
        self.detach = wakeup.subscribe_runner(self)

    def reserve(self) -> bool:
        self.reserved += 1
        return True

    def unreserve(self) -> None:
        self.reserved -= 1

    def hand(self, claimed) -> bool:
        self.reserved -= 1
        self.handed.append(claimed)
        return True


@pytest.fixture
def handed_as_is(db_url, monkeypatch):
    """A signal hands the resumed step as it is (not recorded in the signal's transaction)."""
    monkeypatch.setenv("WAYVO_GROUP_COMMIT", "0")
    reset_settings()
    yield db_url
    reset_settings()


def _paused(owner: str, key: str) -> str:
    nodes = [node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="shop", eventKey=key),
             node("c", "Check", "Condition", condition="true")]
    wf = create_workflow(owner, document(nodes, [edge("t", "w"), edge("w", "c")]))
    execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"n": 7}).execution_id
    _run_until(lambda s: s.exec(select(WaitEvent).where(WaitEvent.execution_id == execution_id)).first())
    return execution_id


def _run_until(paused) -> None:
    """A worker runs the execution to its pause, then stops (the test's runner takes the resume)."""
    worker = start_worker_thread(poll_interval=0.1)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.read_session() as s:
                if paused(s):
                    return
            time.sleep(0.02)
        raise AssertionError("the execution did not pause")
    finally:
        worker.stop()
        time.sleep(0.3)


@pytest.fixture
def catcher():
    runner = Catcher()
    yield runner
    if runner.detach is not None:
        runner.detach()


def test_the_handed_step_carries_its_world_and_outcome_as_the_worker_would_read_them(handed_as_is, catcher):
    owner = make_user()
    execution_id = _paused(owner, "k1")
    catcher.attach()
    body = signal_event(event_namespace="shop", event_key="k1", payload={"amount": 50}, user_name="owner")
    assert body["workflowResumed"] is True and catcher.reserved == 0
    (claimed,) = catcher.handed
    with db.read_session() as s:
        step = s.get(ExecutionStep, claimed.id)
        execution = s.get(Execution, execution_id)
        read_world = load_world(s, execution_id)
        read_resolution = store_waits.event_resolution(s, claimed.id, utcnow(), expire=False)
    assert (step.status, step.lease_owner, step.node_id, claimed.wait_kind) == ("running", catcher.owner, "w", "event")
    assert execution.status == "running"  # its step is queued again: no longer paused
    assert claimed.resolution == read_resolution
    assert claimed.world.outputs == read_world.outputs == {"t": {"n": 7}}
    assert claimed.world.user.id == read_world.user.id == owner
    assert claimed.world.execution.id == execution_id and claimed.world.execution.status == "running"
    assert claimed.world.graph.node("c") is not None


def test_a_second_signal_finds_the_wait_received_and_hands_nothing(handed_as_is, catcher):
    owner = make_user()
    _paused(owner, "k2")
    catcher.attach()
    signal_event(event_namespace="shop", event_key="k2", payload=1, user_name="owner")
    with pytest.raises(Exception) as refused:
        signal_event(event_namespace="shop", event_key="k2", payload=2, user_name="owner")
    assert "already received" in str(refused.value)
    assert len(catcher.handed) == 1 and catcher.reserved == 0


def test_a_signal_from_outside_the_workspace_touches_nothing(db_url, catcher):
    owner, stranger = make_user(), make_user("stranger")
    execution_id = _paused(owner, "k3")
    catcher.attach()
    with db.read_session() as s:
        workspace_id = s.get(Execution, execution_id).workspace_id
    with pytest.raises(NoWaitingEventError):
        signal_event(event_namespace="shop", event_key="k3", payload=1, user_name="stranger",
                     workspace_id=workspace_id)
    assert stranger and catcher.handed == [] and catcher.reserved == 0
    with db.read_session() as s:
        wait = s.exec(select(WaitEvent).where(WaitEvent.execution_id == execution_id)).scalars().one()
        assert wait.status == "waiting"
        assert s.get(Execution, execution_id).status == "paused"


def _approval(owner: str, **config) -> tuple[str, str]:
    """An execution paused on a request for alice's approval (then Confirm): its id and the request's."""
    nodes = [node("t", "Trigger"), node("a", "Request Approval", "Request Approval", title="Order", approvers="alice",
                                        **config),
             node("c", "Confirm", "Condition", condition="true")]
    wf = create_workflow(owner, document(nodes, [edge("t", "a"), edge("a", "c")]))
    execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner", input={"n": 3}).execution_id
    _run_until(lambda s: s.exec(select(ApprovalRequest).where(ApprovalRequest.execution_id == execution_id)).first())
    with db.read_session() as s:
        request_id = s.exec(select(ApprovalRequest.id).where(ApprovalRequest.execution_id == execution_id)).scalar()
    return execution_id, request_id


def test_a_deciding_approval_hands_its_step_with_world_and_outcome(db_url, catcher):
    owner = make_user()
    make_user("alice", roles=("approver",))
    execution_id, request_id = _approval(owner)
    catcher.attach()
    body = decide_approval(request_id=request_id, user_name="alice", decision="approved", comment=" fine ")
    assert body["status"] == "approved" and body["decisions"][0]["comment"] == "fine"
    (claimed,) = catcher.handed
    with db.read_session() as s:
        step = s.get(ExecutionStep, claimed.id)
        read_resolution = store_waits.approval_resolution(s, claimed.id, utcnow(), expire=False)
        read_world = load_world(s, execution_id)
        assert s.get(Execution, execution_id).status == "running"
    assert (step.status, step.lease_owner, claimed.wait_kind) == ("running", catcher.owner, "approval")
    assert claimed.resolution["status"] == read_resolution["status"] == "approved"
    assert claimed.resolution["approvalRequestId"] == read_resolution["approvalRequestId"] == request_id
    assert [(d["userName"], d["decision"], d["comment"]) for d in claimed.resolution["decisions"]] == \
        [(d["userName"], d["decision"], d["comment"]) for d in read_resolution["decisions"]] == [("alice", "approved", "fine")]
    assert claimed.world.outputs == read_world.outputs == {"t": {"n": 3}}
    assert catcher.reserved == 0


def test_a_worker_claim_reads_world_and_outcome_as_the_executor_would(handed_as_is):
    """No local worker: the signal makes the step due, and a worker's claim (on PostgreSQL one
    round trip with its COMMIT) carries the same world and outcome as a read afterwards."""
    from wayvo_app.engine.loader import claim_with_worlds

    owner = make_user()
    execution_id = _paused(owner, "k5")
    body = signal_event(event_namespace="shop", event_key="k5", payload={"amount": 9}, user_name="owner")
    assert body["workflowResumed"] is True
    with db.session() as s:
        (claimed,) = claim_with_worlds(s, "claimer:1", utcnow(), 10, timedelta(seconds=60))
    with db.read_session() as s:
        step = s.get(ExecutionStep, claimed.id)
        read_world = load_world(s, execution_id)
        read_resolution = store_waits.event_resolution(s, claimed.id, utcnow(), expire=False)
    assert (step.status, step.lease_owner, step.node_id, claimed.wait_kind) == ("running", "claimer:1", "w", "event")
    assert claimed.resolution == read_resolution and read_resolution["payload"] == {"amount": 9}
    assert claimed.world.outputs == read_world.outputs == {"t": {"n": 7}}
    assert claimed.world.user.id == read_world.user.id == owner
    assert claimed.world.execution.id == execution_id and claimed.world.execution.input == {"n": 7}
    with db.session() as s:  # claimed and committed: nothing is due any more
        assert claim_with_worlds(s, "claimer:2", utcnow(), 10, timedelta(seconds=60)) == []


def test_a_claimed_step_sees_only_the_latest_attempt_of_each_node(handed_as_is):
    """A node whose last attempt failed has no output in the world of a step claimed after it;
    one whose retry succeeded gives that retry's output."""
    from wayvo_app.engine.loader import claim_with_worlds
    from wayvo_app.store import executions as store

    owner = make_user()
    execution_id = _paused(owner, "k6")
    now = utcnow()
    with db.session() as s:
        store.insert_steps(s, [
            {**store.step_rows(execution_id, ["x"], now)[0], "status": "error", "attempt": 1},
            {**store.step_rows(execution_id, ["x"], now)[0], "status": "success", "attempt": 2,
             "output": {"try": 2}, "finished_at": now},
            {**store.step_rows(execution_id, ["y"], now)[0], "status": "success", "attempt": 1,
             "output": {"try": 1}, "finished_at": now},
            {**store.step_rows(execution_id, ["y"], now)[0], "status": "error", "attempt": 2},
        ])
    signal_event(event_namespace="shop", event_key="k6", payload=1, user_name="owner")
    with db.session() as s:
        (claimed,) = claim_with_worlds(s, "claimer:1", utcnow(), 10, timedelta(seconds=60))
    with db.read_session() as s:
        assert claimed.world.outputs == load_world(s, execution_id).outputs == {"t": {"n": 7}, "x": {"try": 2}}
