"""The measures of benchmarks.versus_dbos, each returning a dict of figures: DBOS's run in child
processes (benchmarks/dbos_side.py), ours through the existing benchmarks' helpers, and the
machine's single-client commit ceiling."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import psutil
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from benchmarks import signals
from benchmarks.engine import (
    ROOT,
    _fresh_database,
    _setup,
    _start_workers,
    _stop,
    _trigger_many,
)

ADMIN_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NAN = float("nan")


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else NAN


def _database(admin_url: str, name: str) -> str:
    """The URL of database `name` on the admin URL's server, created if missing."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _server_up(admin_url: str, timeout: float = 300) -> None:
    """Wait until the server accepts connections again (it may be mid-restart)."""
    deadline = time.monotonic() + timeout
    while True:
        engine = create_engine(admin_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
                return
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise
            time.sleep(2)
        finally:
            engine.dispose()


_ENGINES: dict[str, object] = {}  # pooled: the polling loops below must not open a connection per query


def _scalar(url: str, sql: str, **params):
    engine = _ENGINES.get(url) or _ENGINES.setdefault(url, create_engine(url, pool_size=2))
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def _dispose() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


# -- DBOS: child processes ---------------------------------------------------------------------------

@contextmanager
def _dbos_schema(url: str):
    schema = "dbos_" + uuid.uuid4().hex[:8]
    try:
        yield schema
    finally:
        _dispose()
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        except Exception as exc:  # noqa: BLE001 - as in _ours_schema
            _progress(f"could not drop DBOS schema {schema}: {exc}")
        engine.dispose()


def _dbos_cmd(measure: str, url: str, schema: str, *extra) -> list[str]:
    return [sys.executable, "-m", "benchmarks.dbos_side", measure, "--url", url, "--schema", schema,
            *map(str, extra)]


def _dbos(measure: str, url: str, schema: str, *extra, timeout: float = 900) -> dict:
    done = subprocess.run(_dbos_cmd(measure, url, schema, *extra), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"dbos_side {measure} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def dbos_direct(args, url: str) -> dict:
    with _dbos_schema(url) as schema:
        return _dbos("direct", url, schema, "--executions", args.executions, "--samples", args.samples,
                     "--threads", *args.threads)


def dbos_queue(args, url: str, processes: int) -> dict:
    """Enqueue, then let `processes` DBOS processes drain the queue; the window runs from the first
    workflow started to the last completed (the system tables' own timestamps)."""
    with _dbos_schema(url) as schema:
        _dbos("enqueue", url, schema, "--executions", args.executions, "--concurrency", args.dbos_concurrency,
              "--poll", args.dbos_poll)
        procs = [subprocess.Popen(_dbos_cmd("worker", url, schema, "--executor-id", f"w{i}"), cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for i in range(processes)]
        try:
            deadline = time.monotonic() + 600
            count = f"SELECT count(*) FROM {schema}.workflow_status WHERE status = 'SUCCESS'"
            while _scalar(url, count) < args.executions:
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError("DBOS queue did not drain")
                time.sleep(0.2)
        finally:
            _stop(procs)
        window_ms = _scalar(url, f"SELECT max(completed_at) - min(started_at_epoch_ms) FROM {schema}.workflow_status")
        return {"wf_per_s": args.executions / (window_ms / 1000)}


def dbos_paused(args, url: str) -> dict:
    with _dbos_schema(url) as schema:
        return _dbos("paused", url, schema, "--count", args.paused, "--samples", args.samples)


# -- ours: the existing benchmarks' helpers ------------------------------------------------------------

@contextmanager
def _ours_schema(url: str):
    schema_url, drop = _fresh_database("postgres", url)
    try:
        yield schema_url
    finally:
        from wayvo_app.store import db

        _dispose()
        db.dispose_engines()
        try:
            drop()
        except Exception as exc:  # noqa: BLE001 - a failed drop must not hide the measure's own error
            _progress(f"could not drop a benchmark schema: {exc}")


def ours_throughput(args, url: str, workers: int) -> dict:
    """benchmarks.engine.throughput, timed like DBOS's queue: first step started to last finished."""
    with _ours_schema(url) as u:
        _trigger_many(_setup(u), args.executions)
        procs = _start_workers(u, workers)
        try:
            deadline = time.monotonic() + 600
            while _scalar(u, "SELECT count(*) FROM executions WHERE status = 'success'") < args.executions:
                if time.monotonic() > deadline:
                    raise RuntimeError("ours did not drain")
                time.sleep(0.2)
        finally:
            _stop(procs)
        seconds = _scalar(u, "SELECT EXTRACT(EPOCH FROM (SELECT max(completed_at) FROM executions) - "
                             "(SELECT min(started_at) FROM execution_steps WHERE node_id <> 't'))")
        return {"wf_per_s": args.executions / float(seconds)}


def _until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for the engine")
        time.sleep(0.05)


def _finished_at(u: str, execution_id: str, timeout: float = 30.0) -> datetime:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = _scalar(u, "SELECT completed_at FROM executions WHERE id = :i AND status = 'success'", i=execution_id)
        if done is not None:
            return done if done.tzinfo else done.replace(tzinfo=UTC)
        time.sleep(0.005)
    raise RuntimeError(f"execution {execution_id} did not finish")


def ours_start(args, url: str) -> dict:
    """trigger_workflow() with a worker running, and trigger -> execution finished."""
    from wayvo_app.services.executions import trigger_workflow

    with _ours_schema(url) as u:
        wf = _setup(u)
        procs = _start_workers(u, 1)
        try:
            time.sleep(2.0)
            calls, finish = [], []
            for i in range(args.samples + 5):
                started = datetime.now(UTC)
                t0 = time.perf_counter()
                execution_id = trigger_workflow(workflow_id=wf, user_name="bench", input={"i": i}).execution_id
                calls.append(time.perf_counter() - t0)
                finish.append((_finished_at(u, execution_id) - started).total_seconds())
                time.sleep(0.005)
        finally:
            _stop(procs)
        calls, finish = calls[5:], finish[5:]  # the first few pay imports and connections
        return {"start_p50_ms": _pct(calls, .5) * 1000, "start_p99_ms": _pct(calls, .99) * 1000,
                "finish_p50_ms": _pct(finish, .5) * 1000}


_NEXT_STEP = ("SELECT s.finished_at FROM wait_events w JOIN execution_steps s ON s.execution_id = w.execution_id "
              "AND s.node_id = 'c' AND s.status = 'success' WHERE w.namespace = 'bench' AND w.event_key = :k")


def _resume_once(u: str, key: str, i) -> tuple[float, float]:
    """signal_event() as application code; (call seconds, signal -> next step finished seconds)."""
    from wayvo_app.services.signals import signal_event

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    signal_event(event_namespace="bench", event_key=key, payload={"i": i}, user_name="bench")
    call = time.perf_counter() - t0
    deadline = time.monotonic() + 30
    while (finished := _scalar(u, _NEXT_STEP, k=key)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{key} did not resume")
        time.sleep(0.01)  # the row timestamps are the measure: polling only has to notice
    finished = finished if finished.tzinfo else finished.replace(tzinfo=UTC)
    return call, (finished - started).total_seconds()


def ours_paused(args, url: str) -> dict:
    """N executions of benchmarks.signals' workflow run by a `wayvo worker` to their pause (the
    worker's RSS before and after), then signal_event() -> next step finished, N still waiting:
    first with that worker in its own process (NOTIFY wakes it), then, as DBOS runs its workflows
    in the app process, with a worker in this process (the signal hands it the resumed step)."""
    from wayvo_app.services.executions import trigger_workflow

    with _ours_schema(url) as u:
        _user_id, wf, _version, _key = signals._setup(u)
        procs = _start_workers(u, 1)
        try:
            time.sleep(2.0)
            rss = lambda: psutil.Process(procs[0].pid).memory_info().rss / 2**20  # noqa: E731
            trigger_workflow(workflow_id=wf, user_name="bench", input={"i": "warm"})  # warm-up, as DBOS's
            _until(lambda: _scalar(u, "SELECT count(*) FROM wait_events WHERE status = 'waiting'") >= 1, 60)
            _resume_once(u, "k-warm", "warm")
            idle = rss()
            for i in range(args.paused):
                trigger_workflow(workflow_id=wf, user_name="bench", input={"i": i})
            _until(lambda: _scalar(u, "SELECT count(*) FROM wait_events WHERE status = 'waiting'") >= args.paused,
                   900)
            time.sleep(2.0)
            paused = rss()
            chosen = random.sample(range(args.paused), 2 * args.samples)
            apart = _resume_samples(u, chosen[args.samples:])  # the worker in its own process
        finally:
            _stop(procs)
        from wayvo_app.runtime.embedded import start_worker_thread

        worker = start_worker_thread(poll_interval=1.0)  # as DBOS: the app process runs its workflows
        try:
            time.sleep(1.0)
            calls, step = _resume_samples(u, chosen[:args.samples])
        finally:
            worker.stop()
            time.sleep(0.5)
        return {"idle_rss_mb": idle, "paused_rss_mb": paused, "call_p50_ms": _pct(calls, .5) * 1000,
                "step_p50_ms": _pct(step, .5) * 1000, "step_p99_ms": _pct(step, .99) * 1000,
                "apart_step_p50_ms": _pct(apart[1], .5) * 1000, "apart_step_p99_ms": _pct(apart[1], .99) * 1000}


def _resume_samples(u: str, chosen: list[int]) -> tuple[list[float], list[float]]:
    calls, step = [], []
    for i in chosen:
        call, latency = _resume_once(u, f"k-{i}", i)
        calls.append(call)
        step.append(latency)
        time.sleep(0.02)
    return calls, step


def ours_http(args, url: str) -> dict:
    """benchmarks.signals.measure_size: the signal API (uvicorn) and a `wayvo worker`."""
    with _ours_schema(url) as u:
        user_id, wf, version, key = signals._setup(u)
        signals._USED.clear()
        signals._SIGNALLED_SO_FAR[0] = 0
        return signals.measure_size(u, (user_id, wf, version), args.http_waiting, args.samples, signals._port(), key)


# -- the machine's ceiling ------------------------------------------------------------------------------

def pgbench_ceiling(url: str, seconds: int) -> float:
    """pgbench, one client, one single-row INSERT per transaction (synchronous_commit as configured)."""
    with _ours_schema(url) as u:
        schema = re.search(r"search_path%3D(\w+)", u).group(1)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE {schema}.ceiling (id bigserial PRIMARY KEY, v text)")
        engine.dispose()
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write(f"INSERT INTO {schema}.ceiling (v) VALUES ('x');\n")
        parts = make_url(url)
        done = subprocess.run(["pgbench", "-n", "-c", "1", "-j", "1", "-T", str(seconds), "-f", script.name,
                               "-h", parts.host or "127.0.0.1", "-p", str(parts.port or 5432),
                               "-U", parts.username or "postgres", parts.database],
                              capture_output=True, text=True, timeout=seconds + 60)
        os.unlink(script.name)
        found = re.search(r"tps = ([\d.]+)", done.stdout)
        return float(found.group(1)) if found else NAN
