"""A signal sent in a process that runs a worker hands the resumed step straight to that worker:
claimed in the signal's own transaction (no NOTIFY, no claim transaction), run after its commit."""

from __future__ import annotations

import time

from sqlalchemy import select

from tests.helpers import create_workflow, document, edge, make_user, node
from wayvo_app.runtime.embedded import start_worker_thread
from wayvo_app.services import executions as commands
from wayvo_app.services.signals import signal_event
from wayvo_app.store import db
from wayvo_app.store.models import Execution, ExecutionStep, WaitEvent


def _until(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read_session() as s:
            found = condition(s)
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("the engine did not get there in time")


def test_a_local_signal_hands_the_resumed_step_to_the_local_worker(db_url):
    owner = make_user()
    nodes = [node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="shop", eventKey="k1"),
             node("c", "Check", "Condition", condition="{{Wait.payload.amount}} > 10")]
    wf = create_workflow(owner, document(nodes, [edge("t", "w"), edge("w", "c")]))
    worker = start_worker_thread(url=db_url, poll_interval=30.0)  # only a wake-up or a handoff moves it
    try:
        execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id
        _until(lambda s: s.exec(select(WaitEvent).where(WaitEvent.status == "waiting")).first())
        body = signal_event(event_namespace="shop", event_key="k1", payload={"amount": 50}, user_name="owner")
        assert body["workflowResumed"] is True
        _until(lambda s: s.get(Execution, execution_id).status == "success")
        with db.read_session() as s:
            wait = s.exec(select(WaitEvent)).scalars().one()
            step = s.exec(select(ExecutionStep).where(ExecutionStep.node_id == "w")
                          .order_by(ExecutionStep.attempt.desc())).scalars().first()
            check = s.exec(select(ExecutionStep).where(ExecutionStep.node_id == "c")).scalars().one()
        # Claimed in the signal's transaction: started at the very instant the signal was received,
        # by this process's worker, on its first attempt (no recovery, no second claim).
        assert step.started_at == wait.received_at
        assert step.lease_owner is None or step.lease_owner == worker.owner
        assert (step.status, step.attempt, step.recoveries) == ("success", 1, 0)
        assert step.output["payload"] == {"amount": 50}
        assert check.status == "success"
    finally:
        worker.stop()
        time.sleep(0.5)
