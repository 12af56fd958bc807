"""Engine benchmark: executions/s and steps/s of a three no-op-action workflow on SQLite (1 worker)
and PostgreSQL (1 and 2 workers), trigger-to-finish latency, trigger_workflow() call time, and the
machine's single-row commit ceiling. Prints a table; each figure is the median of --runs runs.

    .venv/bin/python -m benchmarks.engine [--executions 2000] [--runs 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _fresh_database(kind: str, pg_url: str) -> tuple[str, callable]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.db"
        return f"sqlite:///{path}", lambda: None
    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop():
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    return f"{pg_url}?options=-csearch_path%3D{schema}", drop


def _setup(url: str) -> str:
    os.environ["DATABASE_URL"] = url
    os.environ["WAYVO_SERVER_ACTIONS"] = "benchmarks.noop_actions:ACTIONS"
    from wayvo_app.services import accounts, workflows
    from wayvo_app.settings import reset_settings
    from wayvo_app.store import db
    from wayvo_app.store.migrations import upgrade

    reset_settings()
    db.dispose_engines()
    upgrade(url)
    nodes = [{"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
              "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}}]
    for i in range(1, 4):
        nodes.append({"id": f"a{i}", "type": "action", "position": {"x": 0, "y": 100 * i},
                      "data": {"label": f"Noop {i}", "type": "action",
                               "config": {"actionType": "Call Action", "action": "noop"}}})
    edges = [{"id": f"e{i}", "source": nodes[i]["id"], "target": nodes[i + 1]["id"]} for i in range(3)]
    with db.session() as s:
        user = accounts.create_user(s, "bench", "password1")
        wf = workflows.create_workflow(s, user.id, {"name": "bench", "nodes": nodes, "edges": edges})
        workflows.publish_workflow(s, wf.id, user.id)
        return wf.id


def _trigger_many(workflow_id: str, count: int) -> list[float]:
    from wayvo_app.services.executions import trigger_workflow

    times = []
    for i in range(count):
        start = time.perf_counter()
        trigger_workflow(workflow_id=workflow_id, user_name="bench", input={"i": i})
        times.append(time.perf_counter() - start)
    return times


def _count_done(url: str) -> int:
    from wayvo_app.store import db

    with db.get_engine(url).connect() as conn:
        return conn.execute(text("SELECT count(*) FROM executions WHERE status = 'success'")).scalar()


def _start_workers(url: str, n: int) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "WAYVO_EMBEDDED_WORKER": "false",
           "WAYVO_SERVER_ACTIONS": "benchmarks.noop_actions:ACTIONS"}
    return [subprocess.Popen([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "0.05",
                              "--concurrency", "64"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for proc in workers:
        proc.send_signal(signal.SIGTERM)
    for proc in workers:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def throughput(kind: str, workers: int, executions: int, pg_url: str) -> dict:
    """Queue `executions`, then let the workers drain them; the clock runs from start to done."""
    url, drop = _fresh_database(kind, pg_url)
    try:
        wf = _setup(url)
        trigger_times = _trigger_many(wf, executions)
        procs = _start_workers(url, workers)
        start = time.perf_counter()
        while _count_done(url) < executions:
            time.sleep(0.05)
            if time.perf_counter() - start > 600:
                raise RuntimeError("benchmark did not finish in 10 minutes")
        elapsed = time.perf_counter() - start
        _stop(procs)
        return {"exec_per_s": executions / elapsed, "steps_per_s": executions * 3 / elapsed,
                "trigger_ms_p50": statistics.median(trigger_times) * 1000}
    finally:
        from wayvo_app.store import db

        db.dispose_engines()
        drop()


def latency(kind: str, count: int, pg_url: str) -> dict:
    """Trigger one execution at a time against a running worker; trigger-to-finish p50/p95."""
    url, drop = _fresh_database(kind, pg_url)
    try:
        wf = _setup(url)
        procs = _start_workers(url, 1)
        time.sleep(2.0)
        from wayvo_app.services.executions import trigger_workflow
        from wayvo_app.store import db

        samples = []
        for _ in range(count):
            start = time.perf_counter()
            execution_id = trigger_workflow(workflow_id=wf, user_name="bench").execution_id
            with db.get_engine(url).connect() as conn:
                while conn.execute(text("SELECT status FROM executions WHERE id = :i"),
                                   {"i": execution_id}).scalar() != "success":
                    conn.rollback()
                    time.sleep(0.001)
            samples.append(time.perf_counter() - start)
        _stop(procs)
        samples.sort()
        return {"p50_ms": samples[len(samples) // 2] * 1000, "p95_ms": samples[int(len(samples) * 0.95)] * 1000}
    finally:
        from wayvo_app.store import db

        db.dispose_engines()
        drop()


def commit_ceiling(kind: str, pg_url: str, seconds: float = 2.0) -> float:
    """Single-row INSERT + COMMIT per second on this machine, through the same driver settings."""
    url, drop = _fresh_database(kind, pg_url)
    try:
        from wayvo_app.store import db

        engine = db.get_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE ceiling (id INTEGER PRIMARY KEY, v TEXT)"))
        n, start = 0, time.perf_counter()
        with engine.connect() as conn:
            while time.perf_counter() - start < seconds:
                with conn.begin():
                    conn.execute(text("INSERT INTO ceiling (id, v) VALUES (:i, 'x')"), {"i": n})
                n += 1
        return n / (time.perf_counter() - start)
    finally:
        from wayvo_app.store import db

        db.dispose_engines()
        drop()


def _median(fn, runs: int, *args) -> dict:
    results = [fn(*args) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main() -> None:
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # this script is the composition root of its process
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    rows = []
    setups = [("sqlite", 1)] + ([] if args.skip_pg else [("postgres", 1), ("postgres", 2)])
    ceilings = {kind: statistics.median(commit_ceiling(kind, args.pg) for _ in range(args.runs))
                for kind in {k for k, _ in setups}}
    for kind, workers in setups:
        tp = _median(throughput, args.runs, kind, workers, args.executions, args.pg)
        lat = _median(latency, args.runs, kind, args.latency_samples, args.pg) if workers == 1 else {}
        rows.append((kind, workers, tp, lat, ceilings[kind]))
        print(f"... {kind} x{workers}: {tp['exec_per_s']:.0f} exec/s", file=sys.stderr, flush=True)
    print(f"\nEngine benchmark: 3 no-op actions per execution, {args.executions} executions, "
          f"median of {args.runs} runs ({os.cpu_count()} cores)\n")
    header = ("database", "workers", "exec/s", "steps/s", "trigger() p50 ms", "finish p50 ms",
              "finish p95 ms", "commit ceiling/s", "steps/s ÷ ceiling")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for kind, workers, tp, lat, ceiling in rows:
        print(" | ".join([kind, str(workers), f"{tp['exec_per_s']:.0f}", f"{tp['steps_per_s']:.0f}",
                          f"{tp['trigger_ms_p50']:.2f}", f"{lat.get('p50_ms', float('nan')):.1f}",
                          f"{lat.get('p95_ms', float('nan')):.1f}", f"{ceiling:.0f}",
                          f"{tp['steps_per_s'] / ceiling:.2f}"]))


if __name__ == "__main__":
    main()
