"""Human-in-the-loop benchmark: signal-to-resumed latency with N executions waiting, the worker's
memory at each size, through the real HTTP API (uvicorn, one process) and a separate `wayvo worker`
process. Approval decisions per second are measured by benchmarks/load.py.

    .venv/bin/python -m benchmarks.signals [--sizes 1000 100000] [--samples 300] [--db postgres|sqlite]
        [--in-process]   (signal_event() with a worker in this process, instead of the HTTP API)

Latency = the next step's finished_at minus the wait's received_at (set in the signal's own
transaction, before the HTTP response), so it covers the response, the wake-up and the step.
Each size first sends WARM_UP signals (not measured) to the fresh server: its first requests open
connections and compile statements, which is start-up, not a signal's latency.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx
import psutil
from sqlalchemy import text

from benchmarks.engine import PG_DEFAULT, ROOT, _fresh_database

DOC = {"name": "bench-wait", "nodes": [
    {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
     "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
    {"id": "w", "type": "action", "position": {"x": 0, "y": 100},
     "data": {"label": "Wait", "type": "action",
              "config": {"actionType": "Wait for Event", "eventNamespace": "bench", "eventKey": "k-{{Trigger.i}}"}}},
    {"id": "c", "type": "action", "position": {"x": 0, "y": 200},
     "data": {"label": "After", "type": "action", "config": {"actionType": "Condition", "condition": "true"}}}],
    "edges": [{"id": "e1", "source": "t", "target": "w"}, {"id": "e2", "source": "w", "target": "c"}]}


WARM_UP = 5  # signals sent to a fresh server before the measured ones (DBOS's side warms up too)
_USED: set[int] = set()
_SIGNALLED_SO_FAR = [0]  # so that each size has exactly `size` executions still waiting


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(url: str) -> tuple[str, str, str, str]:
    os.environ["DATABASE_URL"] = url
    from wayvo_app.services import accounts, api_keys, workflows
    from wayvo_app.settings import reset_settings
    from wayvo_app.store import db
    from wayvo_app.store.migrations import upgrade

    reset_settings()
    db.dispose_engines()
    upgrade(url)
    with db.session() as s:
        user = accounts.create_user(s, "bench", "password1", roles=["approver"])
        wf = workflows.create_workflow(s, user.id, DOC)
        version = workflows.publish_workflow(s, wf.id, user.id)
        key = api_keys.create_api_key(s, user.id, "bench key").key
        return user.id, wf.id, version.id, key


def _bulk_waiting(url: str, user_id: str, wf_id: str, version_id: str, start: int, count: int) -> None:
    """Insert `count` executions paused on their Wait for Event (the state a real run leaves)."""
    from wayvo_app.store import db
    from wayvo_app.store.models import Execution, ExecutionStep, WaitEvent

    now = datetime.now(UTC)
    with db.get_engine(url).connect() as conn:  # executions and waits belong to the workflow's workspace
        workspace_id = conn.execute(text("SELECT workspace_id FROM workflows WHERE id = :i"), {"i": wf_id}).scalar()
    for chunk in range(start, start + count, 5000):
        ex, steps, waits = [], [], []
        for i in range(chunk, min(chunk + 5000, start + count)):
            eid, sid = str(uuid.uuid4()), str(uuid.uuid4())
            ex.append({"id": eid, "workflow_id": wf_id, "version_id": version_id, "user_id": user_id,
                       "workspace_id": workspace_id,
                       "status": "paused", "trigger_type": "Manual", "input": {"i": i}, "started_at": now,
                       "updated_at": now})
            common = {"execution_id": eid, "attempt": 1, "recoveries": 0, "queued_at": now}
            steps.append({**common, "id": str(uuid.uuid4()), "node_id": "t", "status": "success",
                          "handles": ["default"], "output": {"i": i}, "wait_kind": None, "run_at": None})
            steps.append({**common, "id": sid, "node_id": "w", "status": "waiting", "handles": None,
                          "output": None, "wait_kind": "event", "run_at": None})
            waits.append({"id": str(uuid.uuid4()), "execution_id": eid, "step_id": sid, "node_id": "w",
                          "workspace_id": workspace_id,
                          "namespace": "bench", "event_key": f"k-{i}", "status": "waiting",
                          "on_expiration": "error", "created_at": now})
        with db.get_engine(url).begin() as conn:
            conn.execute(Execution.__table__.insert(), ex)
            conn.execute(ExecutionStep.__table__.insert(), steps)
            conn.execute(WaitEvent.__table__.insert(), waits)
    if url.startswith("postgresql"):  # what autovacuum would do after a bulk load
        with db.get_engine(url).connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def _servers(url: str, port: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "WAYVO_EMBEDDED_WORKER": "false"}
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "benchmarks.api_server:api_app",
                            "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    worker = subprocess.Popen([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return [api, worker]


def _wait_up(port: int) -> None:
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("API did not start")


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def measure_size(url: str, ids, size: int, samples: int, port: int, key: str) -> dict:
    user_id, wf_id, version_id = ids
    from wayvo_app.store import db

    with db.get_engine(url).connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM wait_events")).scalar()
    _bulk_waiting(url, user_id, wf_id, version_id, have, size - have + _SIGNALLED_SO_FAR[0])
    procs = _servers(url, port)
    try:
        _wait_up(port)
        time.sleep(1.5)
        headers = {"Authorization": f"Bearer {key}"}
        http_ms = []
        free = random.sample([i for i in range(size + _SIGNALLED_SO_FAR[0]) if i not in _USED], samples + WARM_UP)
        warm, chosen = free[:WARM_UP], free[WARM_UP:]
        _USED.update(free)
        _SIGNALLED_SO_FAR[0] += samples + WARM_UP
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            for i in warm:  # a fresh server's first requests (connections, first compiles): not measured
                client.post("/api/workflow/events/signal",
                            json={"eventNamespace": "bench", "eventKey": f"k-{i}", "payload": {"i": i}})
                time.sleep(0.05)
            for i in chosen:
                start = time.perf_counter()
                r = client.post("/api/workflow/events/signal",
                                json={"eventNamespace": "bench", "eventKey": f"k-{i}", "payload": {"i": i}})
                http_ms.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200, r.text
                time.sleep(0.02)
        time.sleep(2)
        rss = psutil.Process(procs[1].pid).memory_info().rss / 2**20
        keys = [f"k-{i}" for i in chosen]
        with db.get_engine(url).connect() as conn:
            rows = conn.execute(text(
                "SELECT w.received_at, s.finished_at, s.started_at FROM wait_events w JOIN execution_steps s "
                "ON s.execution_id = w.execution_id AND s.node_id = 'c' WHERE w.event_key IN :keys "
                "AND s.status = 'success'").bindparams(__import__("sqlalchemy").bindparam("keys", expanding=True)),
                {"keys": keys}).all()
        resumed = [(_aware(f) - _aware(r)).total_seconds() * 1000 for r, f, _s in rows]
        # Where it went: the signal's commit and the worker's wake-up and claim (received -> the
        # next step claimed), then the step's run and record (claimed -> finished).
        claimed = [(_aware(c) - _aware(r)).total_seconds() * 1000 for r, _f, c in rows]
        ran = [(_aware(f) - _aware(c)).total_seconds() * 1000 for _r, f, c in rows]
        return {"waiting": size, "resumed": len(resumed), "p50": _pct(resumed, .5), "p95": _pct(resumed, .95),
                "p99": _pct(resumed, .99), "http_p50": _pct(http_ms, .5), "http_p99": _pct(http_ms, .99),
                "claimed_p50": _pct(claimed, .5), "ran_p50": _pct(ran, .5), "worker_rss_mb": rss}
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(20)


def measure_in_process(url: str, ids, size: int, samples: int) -> dict:
    """signal_event() from this process with a worker running in it (the signal hands the resumed
    step over): the call, the calling thread's CPU, and signal -> next step finished."""
    from wayvo_app.runtime.embedded import start_worker_thread
    from wayvo_app.services.signals import signal_event
    from wayvo_app.store import db

    user_id, wf_id, version_id = ids
    with db.get_engine(url).connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM wait_events")).scalar()
    _bulk_waiting(url, user_id, wf_id, version_id, have, size - have + _SIGNALLED_SO_FAR[0])
    free = random.sample([i for i in range(size + _SIGNALLED_SO_FAR[0]) if i not in _USED], samples + WARM_UP)
    _USED.update(free)
    _SIGNALLED_SO_FAR[0] += samples + WARM_UP
    finished = text("SELECT s.finished_at FROM wait_events w JOIN execution_steps s ON s.execution_id = w.execution_id "
                    "AND s.node_id = 'c' AND s.status = 'success' WHERE w.event_key = :k")
    worker = start_worker_thread(url=url, poll_interval=1.0)
    calls, cpus, steps = [], [], []
    try:
        time.sleep(1.0)
        for n, i in enumerate(free):
            started, t0, c0 = datetime.now(UTC), time.perf_counter(), time.thread_time()
            signal_event(event_namespace="bench", event_key=f"k-{i}", payload={"i": i}, user_name="bench")
            call, cpu = time.perf_counter() - t0, time.thread_time() - c0
            deadline = time.monotonic() + 30
            while True:
                with db.get_engine(url).connect() as conn:
                    done = conn.execute(finished, {"k": f"k-{i}"}).scalar()
                if done is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            if n >= WARM_UP and done is not None:
                calls.append(call * 1000)
                cpus.append(cpu * 1000)
                steps.append((_aware(done) - started).total_seconds() * 1000)
            time.sleep(0.02)
    finally:
        worker.stop()
        time.sleep(0.5)
    return {"waiting": size, "resumed": len(steps), "call_p50": _pct(calls, .5), "cpu_p50": _pct(cpus, .5),
            "p50": _pct(steps, .5), "p90": _pct(steps, .9), "p99": _pct(steps, .99)}


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def main() -> None:
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # this script is the composition root of its process
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--in-process", action="store_true",
                        help="signal_event() with a worker in this process instead of the HTTP API")
    args = parser.parse_args()
    url, drop = _fresh_database(args.db, args.pg)
    try:
        user_id, wf_id, version_id, key = _setup(url)
        if args.in_process:
            rows = [measure_in_process(url, (user_id, wf_id, version_id), n, args.samples) for n in sorted(args.sizes)]
        else:
            port = _port()
            rows = [measure_size(url, (user_id, wf_id, version_id), n, args.samples, port, key)
                    for n in sorted(args.sizes)]
    finally:
        from wayvo_app.store import db

        db.dispose_engines()
        drop()
    print(f"\nSignals benchmark on {args.db} ({os.cpu_count()} cores), {args.samples} signals per size\n")
    if args.in_process:
        print("waiting | resumed | signal_event() call p50 ms | its thread's CPU p50 ms | signal→next step p50 ms | p90 | p99")
        print("--- | --- | --- | --- | --- | --- | ---")
        for r in rows:
            print(f"{r['waiting']} | {r['resumed']} | {r['call_p50']:.2f} | {r['cpu_p50']:.2f} | {r['p50']:.1f} | "
                  f"{r['p90']:.1f} | {r['p99']:.1f}")
        return
    print("waiting | resumed | signal→resumed p50 ms | p95 ms | p99 ms | HTTP p50 ms | HTTP p99 ms | "
          "received→claimed p50 ms | claimed→finished p50 ms | worker RSS MB")
    print("--- | --- | --- | --- | --- | --- | --- | --- | --- | ---")
    for r in rows:
        print(f"{r['waiting']} | {r['resumed']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
              f"{r['http_p50']:.1f} | {r['http_p99']:.1f} | {r['claimed_p50']:.1f} | {r['ran_p50']:.1f} | "
              f"{r['worker_rss_mb']:.0f}")
    print("\n(approval decisions/s under load: python -m benchmarks.load)")
    print(f"(median of signal→resumed p50 across sizes: {statistics.median(r['p50'] for r in rows):.1f} ms)")


if __name__ == "__main__":
    main()
