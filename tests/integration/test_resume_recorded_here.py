"""A resumed wait recorded without the executor (engine.resume_now, PostgreSQL's group commit): a
signal records it in its own transaction (its successors claimed for the local worker, or due
for any worker with a NOTIFY); a worker records one it claimed, or a decision handed it, as soon
as the claim commits, on its database thread. Either way as the executor would have, and the
executor starts at the successor. A resume that fails is the executor's to record; a resumed step
whose claimer stopped is recovered with its wait."""

from __future__ import annotations

import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import select

from tests.helpers import drain, make_user
from tests.integration.test_resume_handover import Catcher, _approval, _paused, handed_as_is  # noqa: F401
from wayvo_app.engine import resume_now
from wayvo_app.engine.executor import Executor
from wayvo_app.engine.recovery import recover_expired
from wayvo_app.runtime.embedded import start_worker_thread
from wayvo_app.runtime.pg_listen import libpq_url
from wayvo_app.services import handover
from wayvo_app.services.decisions import decide_approval
from wayvo_app.services.signals import signal_event
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store.models import Execution, ExecutionStep, utcnow

postgres_only = pytest.mark.postgres_only


def _steps(execution_id: str) -> dict[str, list[ExecutionStep]]:
    with db.read_session() as s:
        rows = s.exec(select(ExecutionStep).where(ExecutionStep.execution_id == execution_id)
                      .order_by(ExecutionStep.attempt)).scalars().all()
    out: dict[str, list[ExecutionStep]] = {}
    for row in rows:
        out.setdefault(row.node_id, []).append(row)
    return out


@pytest.fixture
def executed(monkeypatch) -> list[str]:
    """The node ids of the steps the executor runs (a resumed wait recorded at once is not one)."""
    seen: list[str] = []
    run = Executor.execute

    async def spy(self, claimed, **kwargs):
        seen.append(claimed.node_id)
        return await run(self, claimed, **kwargs)

    monkeypatch.setattr(Executor, "execute", spy)
    return seen


def _run_rest(executed: list[str], execution_id: str) -> list[str]:
    """Drain the engine: the nodes the executor ran, once the execution finished successfully."""
    executed.clear()
    drain()
    with db.read_session() as s:
        assert s.get(Execution, execution_id).status == "success"
    return list(executed)


def _finished(execution_id: str, timeout: float = 20.0) -> Execution:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read_session() as s:
            execution = s.get(Execution, execution_id)
            if execution.status in ("success", "error"):
                return execution
        time.sleep(0.02)
    raise AssertionError("the execution did not finish")


@postgres_only
def test_a_signal_records_the_wait_and_hands_its_successor_to_the_local_worker(db_url):
    owner = make_user()
    execution_id = _paused(owner, "h0")
    catcher = Catcher()  # a local worker that keeps what it is handed
    catcher.attach()
    try:
        body = signal_event(event_namespace="shop", event_key="h0", payload={"amount": 50}, user_name="owner")
    finally:
        catcher.detach()
    assert body["workflowResumed"] is True and catcher.reserved == 0
    (handed,) = catcher.handed
    steps = _steps(execution_id)
    (wait,), (check,) = steps["w"], steps["c"]
    assert (wait.status, wait.lease_owner, wait.handles) == ("success", catcher.owner, ["default", "received"])
    assert wait.output["payload"] == {"amount": 50} and wait.output["status"] == "received"
    assert (handed.id, handed.node_id, handed.wait_kind) == (check.id, "c", None)
    assert (check.status, check.lease_owner) == ("running", catcher.owner)
    assert handed.world.outputs == {"t": {"n": 7}, "w": wait.output}
    with db.read_session() as s:
        assert s.get(Execution, execution_id).status == "running"


@postgres_only
def test_without_a_local_worker_a_signal_makes_the_successor_due_with_a_notify(db_url, executed):
    owner = make_user()
    execution_id = _paused(owner, "h9")
    listener = psycopg.connect(libpq_url(db_url), autocommit=True)
    try:
        listener.execute("LISTEN wayvo_work")
        signal_event(event_namespace="shop", event_key="h9", payload={"amount": 5}, user_name="owner")
        woken = list(listener.notifies(timeout=5, stop_after=1))
    finally:
        listener.close()
    assert [n.channel for n in woken] == ["wayvo_work"]
    steps = _steps(execution_id)
    (wait,), (check,) = steps["w"], steps["c"]
    assert wait.status == "success" and wait.lease_owner.startswith("resume:")
    assert (check.status, check.lease_owner) == ("pending", None)
    assert _run_rest(executed, execution_id) == ["c"]


@postgres_only
def test_a_signal_that_cannot_record_the_wait_leaves_it_due_for_any_worker(db_url, executed, monkeypatch):
    """Not recordable in the signal (here: forced): no local worker, so the signal's transaction
    makes the claimed step due again; a worker runs it through the executor."""
    owner = make_user()
    execution_id = _paused(owner, "h8")
    monkeypatch.setattr(resume_now, "resume_outcome", lambda *args, **kwargs: None)
    signal_event(event_namespace="shop", event_key="h8", payload={"amount": 5}, user_name="owner")
    (wait,) = _steps(execution_id)["w"]
    assert (wait.status, wait.lease_owner, wait.lease_expires_at) == ("pending", None, None)
    assert _run_rest(executed, execution_id) == ["w", "c"]


@postgres_only
def test_a_signal_whose_record_fails_is_delivered_without_it(db_url, executed, monkeypatch):
    """The record's round trip fails (a deadlock, a dropped connection): nothing of the signal's
    transaction committed, so the signal is sent again as one statement, and a worker resumes."""
    from sqlalchemy.exc import OperationalError

    owner = make_user()
    execution_id = _paused(owner, "h7")

    def failing(*args, **kwargs):
        raise OperationalError("record", {}, Exception("deadlock detected"))

    monkeypatch.setattr(resume_now, "record_in", failing)
    body = signal_event(event_namespace="shop", event_key="h7", payload={"amount": 7}, user_name="owner")
    assert body["workflowResumed"] is True
    (wait,) = _steps(execution_id)["w"]
    assert wait.status == "pending" and not (wait.lease_owner or "").startswith("resume:")
    assert _run_rest(executed, execution_id) == ["c"]  # the worker's claim pass records the wait
    assert _steps(execution_id)["w"][0].output["payload"] == {"amount": 7}


@postgres_only
def test_a_signal_to_a_running_local_worker_is_recorded_before_it_returns(db_url, executed):
    owner = make_user()
    execution_id = _paused(owner, "h1")
    executed.clear()
    worker = start_worker_thread(poll_interval=5)
    try:
        time.sleep(0.3)  # the worker's loop is up and takes handed steps
        signal_event(event_namespace="shop", event_key="h1", payload={"amount": 50}, user_name="owner")
        (wait,) = _steps(execution_id)["w"]  # recorded in the signal's own transaction
        assert (wait.status, wait.lease_owner) == ("success", worker.owner)
        assert _finished(execution_id).status == "success"
    finally:
        worker.stop()
    steps = _steps(execution_id)
    (wait,), (check,) = steps["w"], steps["c"]
    assert executed == ["c"]  # the wait was recorded on the database thread; the executor ran its successor
    assert (wait.status, wait.handles, wait.output["payload"]) == ("success", ["default", "received"], {"amount": 50})
    assert wait.lease_owner == check.lease_owner  # the successor was claimed in the wait's record
    assert check.status == "success"


@postgres_only
def test_a_claimed_resumed_wait_is_recorded_with_its_claim_pass(db_url, executed, monkeypatch):
    owner = make_user()
    execution_id = _paused(owner, "h2")
    monkeypatch.setattr(handover, "records_here", lambda: False)  # the signal leaves the step due
    signal_event(event_namespace="shop", event_key="h2", payload={"amount": 5}, user_name="owner")
    assert _steps(execution_id)["w"][0].status == "pending"
    assert _run_rest(executed, execution_id) == ["c"]
    steps = _steps(execution_id)
    assert [steps["w"][0].status, steps["c"][0].status] == ["success", "success"]


@postgres_only
def test_a_wait_recorded_at_once_is_recorded_as_the_executor_records_it(db_url, monkeypatch, executed):
    owner = make_user()
    here, there = _paused(owner, "h3"), _paused(owner, "h4")
    signal_event(event_namespace="shop", event_key="h3", payload={"amount": 1}, user_name="owner")
    executed.clear()
    drain()
    assert executed == ["c"]  # recorded at once
    monkeypatch.setenv("WAYVO_GROUP_COMMIT", "0")  # per-step records: the executor runs the resume
    reset_settings()
    signal_event(event_namespace="shop", event_key="h4", payload={"amount": 1}, user_name="owner")
    executed.clear()
    drain()
    reset_settings()
    assert executed == ["w", "c"]

    def recorded(execution_id: str):
        steps = _steps(execution_id)
        (wait,), (check,) = steps["w"], steps["c"]
        output = {k: v for k, v in wait.output.items() if k not in ("waitEventId", "receivedAt", "eventKey")}
        with db.read_session() as s:
            execution = s.get(Execution, execution_id)
        return (wait.status, wait.handles, wait.input, wait.error, output, check.status, check.output,
                execution.status, execution.output)

    assert recorded(here) == recorded(there)
    assert recorded(here)[-2] == "success"


@postgres_only
def test_a_decided_approval_is_recorded_with_its_claim(db_url, executed):
    owner = make_user()
    make_user("alice", roles=("approver",))
    execution_id, request_id = _approval(owner)
    decide_approval(request_id=request_id, user_name="alice", decision="approved")
    assert _run_rest(executed, execution_id) == ["c"]
    (approval,) = _steps(execution_id)["a"]
    assert (approval.status, approval.handles, approval.output["decision"]) == \
        ("success", ["default", "approved"], "approved")


@postgres_only
def test_a_decision_handed_to_the_local_worker_is_recorded_on_its_database_thread(db_url, executed):
    owner = make_user()
    make_user("alice", roles=("approver",))
    execution_id, request_id = _approval(owner)
    executed.clear()
    worker = start_worker_thread(poll_interval=5)
    try:
        time.sleep(0.3)  # the worker's loop is up and takes handed steps
        decide_approval(request_id=request_id, user_name="alice", decision="approved")
        assert _finished(execution_id).status == "success"
    finally:
        worker.stop()
    assert executed == ["c"]
    (approval,) = _steps(execution_id)["a"]
    assert (approval.status, approval.lease_owner) == ("success", worker.owner)


def test_a_resume_that_fails_is_run_and_recorded_by_the_executor(db_url, executed):
    """A rejection configured to fail the node: its resume raises, so it is not recorded at once;
    the executor runs it and records the failure (on both databases)."""
    owner = make_user()
    make_user("alice", roles=("approver",))
    execution_id, request_id = _approval(owner, onRejection="error")
    decide_approval(request_id=request_id, user_name="alice", decision="rejected", comment="no")
    executed.clear()
    drain()
    assert executed == ["a"]
    with db.read_session() as s:
        failed = s.get(Execution, execution_id)
    assert failed.status == "error" and "Approval rejected by alice" in failed.error
    assert _steps(execution_id)["a"][0].status == "error"


@pytest.mark.usefixtures("handed_as_is")  # the signal hands the step as it is
def test_a_resumed_wait_whose_claimer_stopped_is_recovered_with_its_signal(db_url):
    """The step claimed for a worker that stopped before recording it: recovery makes a new
    attempt, which still reads the signal its wait took (the wait moves to that attempt)."""
    owner = make_user()
    execution_id = _paused(owner, "h5")
    catcher = Catcher()  # a local worker that takes the step and never runs it
    catcher.attach()
    try:
        signal_event(event_namespace="shop", event_key="h5", payload={"amount": 8}, user_name="owner")
    finally:
        catcher.detach()
    (claimed,) = catcher.handed
    later = utcnow() + timedelta(minutes=5)  # its lease has expired by then
    assert recover_expired(later) == 1
    drain(clock=lambda: later)
    waits = _steps(execution_id)["w"]
    assert [w.status for w in waits] == ["error", "success"] and waits[0].id == claimed.id
    assert waits[1].output["payload"] == {"amount": 8} and waits[1].handles == ["default", "received"]
    with db.read_session() as s:
        assert s.get(Execution, execution_id).status == "success"
