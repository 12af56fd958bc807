"""Where the time of one step goes: a worker (in this process, under cProfile) drains N queued
executions of benchmarks.engine's three-no-op workflow on PostgreSQL, while SQLAlchemy event
listeners count transactions, statements and connection checkouts. Figures for docs/performance.md.

    python -m benchmarks.profile_step [--executions 2000] [--top 25] [--pstats out.pstats]
    python -m benchmarks.profile_step --timeline 200    # one at a time: wake-up and per-step latency
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from collections import Counter

from sqlalchemy import create_engine, event, text

from benchmarks.engine import PG_DEFAULT, _fresh_database, _setup, _trigger_many

# cProfile's own-time ("tottime") of every function, put in one bucket by the file it lives in.
BUCKETS = (("waiting on PostgreSQL (psycopg wait)", ("psycopg/waiting", "wait_c", "psycopg/connection.py:wait")),
           ("psycopg driver (Python)", ("psycopg/", "psycopg_binary")),
           ("SQLAlchemy", ("sqlalchemy/",)), ("SQLModel", ("sqlmodel/",)),
           ("ours: store", ("wayvo_app/store/",)), ("ours: engine", ("wayvo_app/engine/",)),
           ("ours: core", ("wayvo_app/core/",)), ("ours: runtime (worker loop)", ("wayvo_app/runtime/",)),
           ("ours: other", ("wayvo_app/", "benchmarks/")),
           ("event loop idle (select/epoll) = waiting for work", ("select", "selectors")),
           ("asyncio", ("asyncio/",)), ("json / datetime / uuid", ("json/", "uuid", "datetime")),
           ("apscheduler", ("apscheduler/",)))


def _bucket(filename: str, name: str) -> str:
    key = f"{filename}:{name}"
    for label, needles in BUCKETS:
        if any(n in key for n in needles):
            return label
    return "other (stdlib, builtins)"


class Counters:
    """Statements, transactions and checkouts, and the time spent inside cursor.execute."""

    def __init__(self, engine):
        self.stmts, self.kinds = 0, Counter()
        self.commits = self.rollbacks = self.checkouts = self.resets = 0
        self.execute_seconds, self._t = 0.0, 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        event.listen(engine.pool, "checkout", self._checkout)  # each one a pre-ping round trip
        event.listen(engine.pool, "reset", self._reset)  # a ROLLBACK when a session is handed back open

    def reset(self) -> dict:
        """The counts so far, then zero."""
        seen = {"statements": self.stmts, "commits": self.commits, "rollbacks": self.rollbacks,
                "checkouts": self.checkouts, "resets": self.resets, "kinds": dict(self.kinds)}
        self.stmts, self.kinds = 0, Counter()
        self.commits = self.rollbacks = self.checkouts = self.resets = 0
        self.execute_seconds = 0.0
        return seen

    def _before(self, conn, cursor, statement, params, context, executemany):
        self.stmts += 1
        words = statement.split(None, 3)
        kind = " ".join(words[:3]) if words[0] in ("INSERT", "UPDATE", "DELETE") else words[0]
        if words[0] == "SELECT" and "FOR UPDATE" in statement:
            kind = "SELECT ... FOR UPDATE" + (" SKIP LOCKED" if "SKIP LOCKED" in statement else "")
        self.kinds[kind.replace('"', "")] += 1
        self._t = time.perf_counter()

    def _after(self, *args):
        self.execute_seconds += time.perf_counter() - self._t

    def _commit(self, conn):
        self.commits += 1

    def _rollback(self, conn):
        self.rollbacks += 1

    def _checkout(self, *args):
        self.checkouts += 1

    def _reset(self, *args):
        self.resets += 1


async def _drain(url: str, executions: int) -> float:
    from wayvo_app.runtime.worker import Worker

    worker = Worker(url=url, concurrency=64, poll_interval=0.05)
    watcher = create_engine(url, pool_size=1)  # not the worker's engine: its queries are not counted

    def done() -> bool:
        with watcher.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM executions WHERE status = 'success'")).scalar() >= executions

    async def stop_when_done():
        while True:
            await asyncio.sleep(0.5)
            if await asyncio.to_thread(done):  # another thread: cProfile sees only the worker's
                worker.stop()
                return

    start = time.perf_counter()
    await asyncio.gather(worker.run(), stop_when_done())
    elapsed = time.perf_counter() - start
    watcher.dispose()
    return elapsed


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def floors(url: str, n: int = 300) -> tuple[float, float]:
    """This machine's round trip (SELECT 1) and single-row INSERT+COMMIT, through psycopg alone, ms p50."""
    import psycopg

    from wayvo_app.runtime.pg_listen import libpq_url

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        rtt, commit = [], []
        for _ in range(n):
            t0 = time.perf_counter()
            conn.execute("SELECT 1")
            rtt.append(time.perf_counter() - t0)
        conn.execute("CREATE TABLE floor_c (id serial PRIMARY KEY, v text)")
        for _ in range(n):
            t0 = time.perf_counter()
            conn.execute("INSERT INTO floor_c (v) VALUES ('x')")  # autocommit: one durable commit
            commit.append(time.perf_counter() - t0)
        conn.execute("DROP TABLE floor_c")
    return sorted(rtt)[n // 2] * 1000, sorted(commit)[n // 2] * 1000


_TIMELINE = """
SELECT EXTRACT(EPOCH FROM a1.started_at - e.started_at), EXTRACT(EPOCH FROM a1.finished_at - a1.started_at),
       EXTRACT(EPOCH FROM a2.finished_at - a1.finished_at), EXTRACT(EPOCH FROM a3.finished_at - a2.finished_at)
FROM executions e JOIN execution_steps a1 ON a1.execution_id = e.id AND a1.node_id = 'a1'
JOIN execution_steps a2 ON a2.execution_id = e.id AND a2.node_id = 'a2'
JOIN execution_steps a3 ON a3.execution_id = e.id AND a3.node_id = 'a3' WHERE e.status = 'success'"""


def timeline(pg: str, count: int) -> None:
    """One execution at a time against a `wayvo worker` process (woken by NOTIFY): where the
    trigger-to-finish time goes, from the rows' own timestamps (one machine, one clock)."""
    from benchmarks.engine import _start_workers, _stop
    from wayvo_app.services.executions import trigger_workflow
    from wayvo_app.store import db

    url, drop = _fresh_database("postgres", pg)
    try:
        wf = _setup(url)
        procs = _start_workers(url, 1)
        time.sleep(2.0)
        engine = db.get_engine(url)
        for i in range(count + 5):
            execution_id = trigger_workflow(workflow_id=wf, user_name="bench", input={"i": i}).execution_id
            with engine.connect() as conn:
                while conn.execute(text("SELECT status FROM executions WHERE id = :i"),
                                   {"i": execution_id}).scalar() != "success":
                    conn.rollback()
                    time.sleep(0.002)
            time.sleep(0.01)
        _stop(procs)
        with engine.connect() as conn:
            rows = conn.execute(text(_TIMELINE)).all()[5:]
    finally:
        db.dispose_engines()
        drop()
    names = ("trigger -> first step claimed (commit, NOTIFY, wake-up, claim)",
             "first step: load, run, record (to just before commit)",
             "second step, inline: commit of the first + run + record", "third step, likewise")
    print(f"\none execution at a time ({len(rows)} executions), p50 / p90 ms:")
    for k, name in enumerate(names):
        values = sorted(float(r[k]) * 1000 for r in rows)
        print(f"  {name}: {values[len(values) // 2]:.2f} / {values[int(len(values) * 0.9)]:.2f}")


def main() -> None:
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # this script is the composition root of its process
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executions", type=int, default=2000)
    parser.add_argument("--pg", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pstats", default=None, help="also save the raw profile here")
    parser.add_argument("--no-profile", action="store_true", help="counts and wall time only")
    parser.add_argument("--timeline", type=int, default=0, help="instead: N executions one at a time")
    args = parser.parse_args()
    if args.timeline:
        return timeline(args.pg, args.timeline)
    url, drop = _fresh_database("postgres", args.pg)
    from wayvo_app.store import db

    try:
        wf = _setup(url)
        counters = Counters(db.get_engine(url))
        trigger_seconds = sum(_trigger_many(wf, args.executions))
        triggers = counters.reset()
        rtt, commit = floors(url)
        profiler = None if args.no_profile else cProfile.Profile()
        if profiler:
            profiler.enable()
        cpu_before = _cpu()
        seconds = asyncio.run(_drain(url, args.executions))
        cpu = _cpu() - cpu_before
        if profiler:
            profiler.disable()
    finally:
        db.dispose_engines()
        drop()
    steps = args.executions * 3
    print(f"\n{args.executions} executions, {steps} steps in {seconds:.2f} s: {steps / seconds:.0f} steps/s, "
          f"{seconds / steps * 1000:.2f} ms per step{' (under cProfile)' if profiler else ''}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"CPU time of this process (worker loop, its database threads, the watcher): "
          f"{cpu / steps * 1000:.2f} ms per step")
    print(f"per step: {counters.commits / steps:.2f} commits, {counters.rollbacks / steps:.2f} rollbacks, "
          f"{counters.stmts / steps:.2f} statements, {counters.checkouts / steps:.2f} connection checkouts (pre-ping), "
          f"{counters.resets / steps:.2f} pool resets; "
          f"{counters.execute_seconds / steps * 1000:.2f} ms inside cursor.execute")
    n = args.executions
    print(f"trigger_workflow() (no worker running): {trigger_seconds / n * 1000:.2f} ms mean, "
          f"{triggers['statements'] / n:.1f} statements, {triggers['commits'] / n:.1f} commits, "
          f"{triggers['checkouts'] / n:.1f} checkouts per call: "
          + ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(triggers["kinds"].items(), key=lambda kv: -kv[1])))
    print(f"this machine now: SELECT 1 round trip p50 {rtt:.2f} ms, single-row INSERT+COMMIT p50 {commit:.2f} ms "
          "(psycopg alone)")
    print("statements per step: " + ", ".join(f"{k} {v / steps:.2f}" for k, v in counters.kinds.most_common()))
    if not profiler:
        return
    stats = pstats.Stats(profiler)
    if args.pstats:
        stats.dump_stats(args.pstats)
    buckets, total = Counter(), 0.0
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        buckets[_bucket(filename, name)] += tottime
        total += tottime
    print(f"\nown time by bucket (cProfile tottime, {total:.2f} s in all; per step in ms):")
    for label, value in buckets.most_common():
        print(f"  {label}: {value / total:.1%}  {value / steps * 1000:.3f} ms")
    print(f"\ntop {args.top} functions by own time:")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
