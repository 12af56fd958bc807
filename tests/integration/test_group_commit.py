"""Group commit of step records (PostgreSQL): several finished steps recorded in one transaction,
each still fenced, completions of one execution serialized, two workers' batches free of
deadlocks; and the worker's queue that forms the batches."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from tests.helpers import chain, create_workflow, document, drain, edge, make_user, node
from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import NodeSpec, Registry
from wayvo_app.engine import group_commit
from wayvo_app.engine.executor import Executor
from wayvo_app.engine.group_commit import BatchRecorder, GroupCommit
from wayvo_app.engine.loader import claim_with_worlds
from wayvo_app.engine.recorder import StepRun
from wayvo_app.engine.registry import set_registry
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.models import utcnow

pytestmark = pytest.mark.postgres_only

LEASE = timedelta(seconds=60)
REGISTRY = Registry([
    NodeSpec("trigger", "Trigger", kind="trigger", run=lambda ctx, cfg: Completed(ctx.trigger_input)),
    NodeSpec("Noop", "Noop", run=lambda ctx, cfg: Completed({"node": ctx.node_id})),
])


@pytest.fixture(autouse=True)
def registry(db_url):
    set_registry(REGISTRY)
    yield REGISTRY
    set_registry(None)


def _executor(owner: str) -> Executor:
    return Executor(owner=owner, registry=REGISTRY, settings=None, clock=utcnow, lease=LEASE)


def _claim(owner: str, limit: int = 100):
    with db.session() as s:
        return claim_with_worlds(s, owner, utcnow(), limit, LEASE)


def _run(executor: Executor, claimed, output=None) -> tuple[StepRun, Completed]:
    world = claimed.world
    step_node = world.graph.node(claimed.node_id)
    ctx = executor._context(claimed, world, step_node, None)
    ctx.logger.info(f"ran {claimed.node_id}")
    return StepRun(claimed, world, step_node, REGISTRY.get(step_node.action_type), ctx, utcnow()), \
        Completed(output if output is not None else {"node": claimed.node_id})


def _rows(sql: str, **params):
    with db.get_engine().connect() as conn:
        return conn.execute(text(sql), params).all()


def _commits() -> list[int]:
    count = [0]
    event.listen(db.get_engine(), "commit", lambda conn: count.__setitem__(0, count[0] + 1))
    return count


def _parallel_workflow() -> str:
    owner = make_user()
    nodes = [node("t", "Trigger"), node("a", "A", "Noop"), node("b", "B", "Noop"), node("m", "M", "Noop")]
    return create_workflow(owner, document(nodes, [edge("t", "a"), edge("t", "b"), edge("a", "m"), edge("b", "m")]))


def test_steps_of_several_executions_are_recorded_in_one_transaction():
    wf = create_workflow(make_user(), chain("Noop", "Noop"))
    ids = {commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id for _ in range(5)}
    executor = _executor("w1")
    claimed = _claim("w1")
    assert len(claimed) == 5
    commits = _commits()
    results = BatchRecorder(owner="w1", url=None, lease=LEASE).record([_run(executor, c) for c in claimed])
    assert commits[0] == 1
    assert [[n.node_id for n in r] for r in results] == [["n2"]] * 5
    assert {n.execution_id for r in results for n in r} == ids
    assert all(n.world is not None and n.world.outputs["n1"] == {"node": "n1"} for r in results for n in r)
    rows = _rows("SELECT node_id, status, lease_owner, output::text FROM execution_steps "
                 "WHERE node_id <> 't' ORDER BY node_id")
    assert [(r[0], r[1], r[2]) for r in rows] == [("n1", "success", "w1")] * 5 + [("n2", "running", "w1")] * 5
    assert {r[3] for r in rows if r[0] == "n1"} == {'{"node": "n1"}'}
    assert len(_rows("SELECT 1 FROM execution_logs WHERE message = 'ran n1'")) == 5
    # the next batch finishes them: status, output and completion of every execution in one transaction
    second = BatchRecorder(owner="w1", url=None, lease=LEASE).record(
        [_run(executor, n, output={"done": n.execution_id}) for r in results for n in r])
    assert second == [[]] * 5 and commits[0] == 2
    finished = _rows("SELECT id, status, output::text, completed_at IS NOT NULL FROM executions")
    assert {(r[0], r[1], r[3]) for r in finished} == {(i, "success", True) for i in ids}
    assert all(r[2] == f'{{"done": "{r[0]}"}}' for r in finished)


def test_a_lost_lease_drops_only_that_step_from_the_batch():
    wf = create_workflow(make_user(), chain("Noop", "Noop"))
    for _ in range(3):
        commands.trigger_workflow(workflow_id=wf, user_name="owner")
    executor = _executor("w1")
    claimed = _claim("w1")
    lost = claimed[1]
    with db.get_engine().begin() as conn:  # recovery gave it to another worker meanwhile
        conn.execute(text("UPDATE execution_steps SET lease_owner = 'w2' WHERE id = :i"), {"i": lost.id})
    results = BatchRecorder(owner="w1", url=None, lease=LEASE).record([_run(executor, c) for c in claimed])
    assert [len(r) for r in results] == [1, 0, 1]
    assert _rows("SELECT status, lease_owner FROM execution_steps WHERE id = :i", i=lost.id) == [("running", "w2")]
    assert not _rows("SELECT 1 FROM execution_steps WHERE execution_id = :e AND node_id = 'n2'", e=lost.execution_id)
    assert not _rows("SELECT 1 FROM execution_logs WHERE step_id = :i", i=lost.id)
    for c in (claimed[0], claimed[2]):
        assert _rows("SELECT status FROM execution_steps WHERE id = :i", i=c.id) == [("success",)]


def test_parallel_branches_finishing_in_one_batch_create_the_join_once():
    commands.trigger_workflow(workflow_id=_parallel_workflow(), user_name="owner")
    executor, batch = _executor("w1"), BatchRecorder(owner="w1", url=None, lease=LEASE)
    branches = _claim("w1")
    assert sorted(b.node_id for b in branches) == ["a", "b"]
    joined = batch.record([_run(executor, b) for b in branches])
    assert sorted(n.node_id for r in joined for n in r) == ["m"]
    [join] = [n for r in joined for n in r]
    assert set(join.world.outputs) == {"t", "a", "b"}
    assert batch.record([_run(executor, join)]) == [[]]
    assert _rows("SELECT node_id FROM execution_steps ORDER BY node_id") == [("a",), ("b",), ("m",), ("t",)]
    assert _rows("SELECT status FROM executions") == [("success",)]


def test_two_workers_batches_over_the_same_executions_do_not_deadlock(monkeypatch):
    monkeypatch.setattr(group_commit, "_RETRYABLE", ())  # a deadlock would surface, not be retried
    wf = _parallel_workflow()
    ids = [commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id for _ in range(40)]
    executor = _executor("w1")
    branches = _claim("w1")
    assert len(branches) == 80
    with db.get_engine().begin() as conn:  # worker 2 holds every b branch
        conn.execute(text("UPDATE execution_steps SET lease_owner = 'w2' WHERE node_id = 'b'"))
    mine = [_run(executor, b) for b in branches if b.node_id == "a"]
    theirs = [_run(_executor("w2"), b) for b in reversed(branches) if b.node_id == "b"]
    barrier, out, errors = threading.Barrier(2), {}, []

    def record(owner, items):
        try:
            barrier.wait()
            out[owner] = BatchRecorder(owner=owner, url=None, lease=LEASE).record(items)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=("w1", mine)),
               threading.Thread(target=record, args=("w2", theirs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    joins = [n for owner in ("w1", "w2") for r in out[owner] for n in r]
    assert sorted(j.execution_id for j in joins) == sorted(ids)  # each join created once, by one of them
    assert _rows("SELECT count(*) FROM execution_steps WHERE node_id = 'm'") == [(40,)]


def test_the_worker_forms_batches_and_finishes_every_execution():
    wf = _parallel_workflow()
    ids = [commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id for _ in range(30)]
    worker = drain(registry=REGISTRY)
    assert worker.executor.group is not None and 0 < worker.executor.group.flushes < 30 * 3
    assert _rows("SELECT count(*) FROM executions WHERE status = 'success'") == [(30,)]
    assert _rows("SELECT count(*) FROM execution_steps WHERE node_id = 'm'") == [(30,)]
    assert sorted(r[0] for r in _rows("SELECT id FROM executions")) == sorted(ids)


def test_a_failed_batch_is_recorded_step_by_step():
    wf = create_workflow(make_user(), chain("Noop", "Noop"))
    for _ in range(2):
        commands.trigger_workflow(workflow_id=wf, user_name="owner")
    executor = _executor("w1")
    items = [_run(executor, c) for c in _claim("w1")]

    def broken(_items):
        raise RuntimeError("batch failed")

    async def go():
        async def call(fn, *args):
            return fn(*args)

        group = GroupCommit(BatchRecorder(owner="w1", url=None, lease=LEASE), executor.recorder.record, call)
        group.batch.record = broken
        return await asyncio.gather(*(group.record(run, outcome) for run, outcome in items))

    results = asyncio.run(go())
    assert [[n.node_id for n in r] for r in results] == [["n2"], ["n2"]]
    assert _rows("SELECT count(*) FROM execution_steps WHERE node_id = 'n1' AND status = 'success'") == [(2,)]


def test_a_batch_looks_its_executions_up_by_key_however_many_there_are(db_url):
    """The settle of a batch (one UPDATE of its executions from a JSON recordset) must not scan the
    executions table: PostgreSQL guesses 100 rows for the recordset and, with 5,000 executions,
    joined them by a sequential scan (milliseconds per batch, growing with the history)."""
    from wayvo_app.store import step_batches

    owner = make_user()
    wf = create_workflow(owner, chain("Noop"))
    execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id
    with db.get_engine().begin() as conn:
        columns = [c for c in conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'executions' "
            "AND table_schema = current_schema() AND column_name <> 'id'")).scalars()]
        listed = ", ".join(columns)
        conn.execute(text(f"INSERT INTO executions (id, {listed}) SELECT md5(random()::text || n), {listed} "
                          f"FROM executions, generate_series(1, 5000) AS n WHERE id = :id"), {"id": execution_id})
        conn.execute(text("ANALYZE executions"))
    params = step_batches._settle_params([(execution_id, None, None, utcnow())])
    with db.get_engine().connect() as conn:
        raw = conn.connection.driver_connection
        for mode in ("force_custom_plan", "force_generic_plan"):
            raw.execute(f"SET plan_cache_mode = {mode}")
            plan = "\n".join(row[0] for row in raw.execute("EXPLAIN " + step_batches._SETTLE.driver_sql, params))
            assert "Seq Scan on executions" not in plan and "executions_pkey" in plan, plan
        raw.rollback()
