"""At low load a PostgreSQL worker claims when woken, not after every step: once a claim finds
less than it could take, nothing else is due until a NOTIFY, a hand-over or the timer says so,
and an empty claim would only compete with the steps' own records for the cores."""

from __future__ import annotations

import time

import pytest

from tests.helpers import create_workflow, document, edge, make_user, node
from wayvo_app.runtime.embedded import start_worker_thread
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.models import Execution

pytestmark = pytest.mark.postgres_only


def _finished(execution_id: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read_session() as s:
            status = s.get(Execution, execution_id).status
        if status in ("success", "error"):
            return status
        time.sleep(0.01)
    raise AssertionError("the execution did not finish in time")


def _counting_claims(worker) -> list[int]:
    claims: list[int] = []
    claim_pass = worker.claim_pass

    async def counted() -> int:
        got = await claim_pass()
        claims.append(got)
        return got

    worker.claim_pass = counted
    return claims


def test_a_drained_worker_claims_once_per_start_and_still_wakes_at_once(db_url):
    owner = make_user()
    nodes = [node("t", "Trigger")] + [node(f"n{i}", f"Step {i}", "Condition", condition="true") for i in range(4)]
    edges = [edge("t", "n0")] + [edge(f"n{i}", f"n{i + 1}") for i in range(3)]
    wf = create_workflow(owner, document(nodes, edges))
    worker = start_worker_thread(url=db_url, poll_interval=30.0)  # only a wake-up moves it
    claims = _counting_claims(worker)
    try:
        time.sleep(0.5)
        claims.clear()
        for _ in range(5):
            started = time.monotonic()
            execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id
            assert _finished(execution_id) == "success"
            assert time.monotonic() - started < 5.0  # woken by the start, not by the 30 s timer
            time.sleep(0.05)
        # Five runs of five steps: each start is claimed by a wake (the start's NOTIFY, maybe its
        # in-process wake too); its successors come back from their predecessors' commits. A
        # worker that claimed after every step would have made 25 or more claim passes.
        assert sum(1 for got in claims if got) == 5
        assert len(claims) <= 10, claims
    finally:
        worker.stop()
        time.sleep(0.5)
