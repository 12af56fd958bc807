"""Chaos under load (short form): SIGKILL an engine worker, or restart PostgreSQL, while
executions and signals flow; then check the invariants of the engine."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.helpers import create_workflow, document, edge, make_user, node
from tests.support.actions import LOG_ENV
from wayvo_app.core.errors import ConflictError, NotFoundError
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import executions as commands
from wayvo_app.services.signals import signal_event
from wayvo_app.store import db

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("WAYVO_CHAOS_ROUNDS", "240"))  # benchmarks/chaos.py runs a long form


def _worker(db_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), "WAYVO_EMBEDDED_WORKER": "false",
           "WAYVO_SERVER_ACTIONS": "tests.support.actions:ACTIONS", LOG_ENV: str(log), "WAYVO_LEASE_SECONDS": "2"}
    return subprocess.Popen([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                   capture_output=True, timeout=60)


def _retrying(fn, attempts: int = 100):
    """Call `fn` until the database answers (during a restart it refuses for a moment)."""
    for _ in range(attempts):
        try:
            return fn()
        except (ConflictError, NotFoundError):
            raise
        except Exception:  # noqa: BLE001 - database down: this call was not accepted, try again
            db.dispose_engines()
            time.sleep(0.2)
    raise AssertionError("database did not come back")


def _load(db_url: str, log: Path, chaos) -> None:
    set_registry(default_registry())
    owner = make_user()
    steps = [node("t", "Trigger")] + [node(f"s{i}", f"S{i}", "Call Action", action="record") for i in (1, 2, 3)]
    work = create_workflow(owner, document(steps, [edge("t", "s1"), edge("s1", "s2"), edge("s2", "s3")], "Work"))
    wait = create_workflow(owner, document(
        [node("t", "Trigger"), node("w", "Wait", "Wait for Event", eventNamespace="chaos", eventKey="k-{{Trigger.i}}"),
         node("a", "After", "Call Action", action="record")], [edge("t", "w"), edge("w", "a")], "Wait"))
    workers = [_worker(db_url, log), _worker(db_url, log)]
    accepted, waiting, signalled = [], [], set()
    timings: dict[str, float] = {}
    try:
        start, chaos_done = time.monotonic(), False
        for i in range(ROUNDS):
            accepted.append(_retrying(lambda: commands.trigger_workflow(workflow_id=work, user_name="owner").execution_id))
            if i % 4 == 0:
                waiting.append((i, _retrying(lambda i=i: commands.trigger_workflow(
                    workflow_id=wait, user_name="owner", input={"i": i}).execution_id)))
            if i % 4 == 2 and len(waiting) > 2:
                key_i = waiting[-2][0]
                try:
                    _retrying(lambda k=key_i: signal_event(event_namespace="chaos", event_key=f"k-{k}",
                                                           user_name="owner", payload={"k": k}))
                    signalled.add(key_i)
                except NotFoundError:
                    pass  # its wait is not registered yet: it is signalled in the sweep below
            if not chaos_done and time.monotonic() - start > 1.5:
                _measure_recovery(chaos, workers, timings)
                chaos_done = True
            time.sleep(0.01)
        for key_i, _ in waiting:  # every waiting execution gets its signal eventually
            deadline = time.monotonic() + 60
            while key_i not in signalled:
                try:
                    _retrying(lambda k=key_i: signal_event(event_namespace="chaos", event_key=f"k-{k}",
                                                           user_name="owner", payload={"k": k}))
                    signalled.add(key_i)
                except NotFoundError:
                    assert time.monotonic() < deadline, f"wait k-{key_i} never registered"
                    time.sleep(0.1)
        load_end = time.monotonic()
        _wait_all_done(len(accepted) + len(waiting))
        timings["drain_s"] = time.monotonic() - load_end
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in workers:
            proc.wait(30)
        set_registry(None)
    _check_invariants(accepted, waiting, signalled)
    print(f"\nchaos report: {len(accepted) + len(waiting)} executions, {len(signalled)} signals; "
          f"progress again {timings.get('recovery_s', float('nan')):.2f} s after the fault; "
          f"backlog drained {timings['drain_s']:.2f} s after the load ended")


def _measure_recovery(chaos, workers, timings: dict) -> None:
    """Apply the fault, then time until an execution finishes again (work resumed)."""
    count = "SELECT count(*) FROM executions WHERE status = 'success'"
    before = _retrying(lambda: _scalar(count))
    fault_at = time.monotonic()
    chaos(workers)

    def watch() -> None:
        while _retrying(lambda: _scalar(count)) <= before:
            time.sleep(0.02)
        timings["recovery_s"] = time.monotonic() - fault_at

    threading.Thread(target=watch, daemon=True).start()


def _wait_all_done(total: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = _retrying(lambda: _scalar("SELECT count(*) FROM executions WHERE status = 'success'"))
        if done == total:
            return
        time.sleep(0.25)
    raise AssertionError(f"only {done} of {total} executions finished")


def _scalar(sql: str):
    with db.get_engine().connect() as conn:
        return conn.execute(text(sql)).scalar()


def _check_invariants(accepted, waiting, signalled) -> None:
    with db.get_engine().connect() as conn:
        ids = {row[0] for row in conn.execute(text("SELECT id FROM executions"))}
        assert ids == set(accepted) | {e for _, e in waiting}  # one execution per accepted trigger
        twice = conn.execute(text("SELECT execution_id, node_id, attempt, count(*) FROM execution_steps "
                                  "GROUP BY execution_id, node_id, attempt HAVING count(*) > 1")).all()
        assert twice == []
        done_twice = conn.execute(text("SELECT execution_id, node_id FROM execution_steps WHERE status = "
                                       "'success' GROUP BY execution_id, node_id HAVING count(*) > 1")).all()
        assert done_twice == []  # no node completed twice
        received = conn.execute(text("SELECT count(*), count(DISTINCT event_key) FROM wait_events "
                                     "WHERE status = 'received'")).one()
        assert received == (len(signalled), len(signalled))  # each signal consumed by exactly one wait
        stuck = conn.execute(text("SELECT count(*) FROM execution_steps WHERE status = 'running'")).scalar()
        assert stuck == 0


def _kill_one_worker(workers) -> None:
    os.kill(workers[0].pid, signal.SIGKILL)
    workers[0].wait(10)


@pytest.mark.postgres_only
def test_sigkill_of_an_engine_worker_under_load(db_url, tmp_path):
    _load(db_url, tmp_path / "effects.log", _kill_one_worker)


@pytest.mark.postgres_only
@pytest.mark.skipif(not glob.glob("/etc/postgresql/*"), reason="needs a local PostgreSQL cluster to restart")
def test_postgres_restart_under_load(db_url, tmp_path):
    _load(db_url, tmp_path / "effects.log", lambda workers: _restart_postgres())
