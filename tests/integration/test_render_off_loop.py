"""Issue 16 item 4: a render bomb (a template that burns CPU within every size limit) fails its step
with a clear message, and rendering runs off the worker's event loop, so another user's step that
is running at the same time keeps its lease (no second attempt), on both databases."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from tests.helpers import create_workflow, document, edge, make_user, node
from wayvo_app.datasources import server_actions
from wayvo_app.engine.recovery import recover_expired
from wayvo_app.runtime.worker import Worker
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.executions import steps_of
from wayvo_app.store.models import Execution, utcnow

# A million loop turns: each is cheap and within the limits, together they outlast the 1 s budget.
BURN = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
WAIT_SECONDS = 3.0
FINISHED = ("success", "error", "cancelled")


class _Waiter:
    """An async server action that holds its step (and lease) for a while."""

    def __init__(self) -> None:
        self.started: asyncio.Event | None = None

    async def __call__(self, args):
        self.started.set()
        await asyncio.sleep(float(args.get("seconds", WAIT_SECONDS)))
        return {"waited": True}


@pytest.fixture
def waiter():
    action = _Waiter()
    server_actions.register_action("test.hold", action)
    yield action
    server_actions.unregister_action("test.hold")


def _bomb_documents() -> list[dict]:
    trigger = node("t", "Trigger")
    bombs = [
        node("b", "Bomb mail", "Send Email", to="a@example.com", subject="Hi " + BURN, body="x"),
        node("b", "Bomb request", "HTTP Request", httpMethod="GET", endpoint="https://example.com/" + BURN),
        node("b", "Bomb action", "Call Action", action="test.hold", args=json.dumps({"x": BURN})),
    ]
    return [document([trigger, bomb], [edge("t", "b")], name=f"Bomb {i}") for i, bomb in enumerate(bombs)]


def _start(user_name: str, workflow_id: str) -> str:
    return commands.trigger_workflow(workflow_id=workflow_id, user_name=user_name, input={}).execution_id


def _statuses(ids: list[str]) -> list[str]:
    with db.read_session() as s:
        return [s.get(Execution, i).status for i in ids]


def _recover_like_another_worker(url: str, stop: threading.Event) -> None:
    """What any other worker process does: take over steps whose lease expired."""
    while not stop.wait(0.05):
        recover_expired(utcnow(), url)


async def _scenario(url: str, waiter: _Waiter, other_flow: str, bomb_flows: list[str]) -> tuple[str, list[str]]:
    waiter.started = asyncio.Event()
    worker = Worker(url=url, use_scheduler=False, poll_interval=0.05, lease_seconds=1.0, concurrency=8)
    running = asyncio.create_task(worker.run())
    stop = threading.Event()
    recovery = threading.Thread(target=_recover_like_another_worker, args=(url, stop), daemon=True)
    recovery.start()
    try:
        other = await asyncio.to_thread(_start, "other", other_flow)
        await asyncio.wait_for(waiter.started.wait(), 30)  # the other user's step holds its lease now
        bombs = await asyncio.to_thread(lambda: [_start("owner", flow) for flow in bomb_flows])
        for _ in range(600):  # a condition with a deadline, not a timed assertion
            if all(status in FINISHED for status in await asyncio.to_thread(_statuses, [other, *bombs])):
                break
            await asyncio.sleep(0.1)
        return other, bombs
    finally:
        stop.set()
        recovery.join()
        worker.stop()
        await running


def test_a_render_bomb_fails_its_step_while_another_users_step_keeps_its_lease(db_url, waiter):
    other_user = make_user("other")
    other_flow = create_workflow(other_user, document(
        [node("t", "Trigger"), node("h", "Hold", "Call Action", action="test.hold", args='{"seconds": 3}'),
         node("c", "Done", "Condition", condition="{{Hold.waited}}")],
        [edge("t", "h"), edge("h", "c")], name="Other user's workflow"))
    owner = make_user("owner")
    bomb_flows = [create_workflow(owner, doc) for doc in _bomb_documents()]

    other, bombs = asyncio.run(_scenario(db_url, waiter, other_flow, bomb_flows))

    with db.read_session() as s:
        other_steps = steps_of(s, other)
        assert s.get(Execution, other).status == "success"
        assert sorted((step.node_id, step.attempt) for step in other_steps) == [("c", 1), ("h", 1), ("t", 1)]
        for bomb in bombs:
            execution = s.get(Execution, bomb)
            steps = [step for step in steps_of(s, bomb) if step.node_id == "b"]
            assert execution.status == "error"
            assert [(step.attempt, step.status) for step in steps] == [(1, "error")]
            assert "rendering took longer than 1 second" in steps[0].error
            assert steps[0].error.startswith('Node "Bomb ')
