"""Where a resumed step's time goes in the worker: a worker thread in this process, its claim,
batch record (lock_and_fence, insert_settle_commit), executor and node run wrapped with
perf_counter marks, and signals sent from the main thread with the local runner removed (so the
worker is woken by NOTIFY and claims, as a worker in another process is). Prints one signal's
timeline, the median offset of each mark from the signal call, and the thread CPU of the claim,
the fence and the settle (PostgreSQL only).

    python -m benchmarks.trace_resume [--waiting 1000] [--signals 200] [--show 2]

The main thread's signal call shares the GIL with the worker, which an HTTP signal from another
process does not: compare figures of this tool with each other, not with benchmarks.signals.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import threading
import time

from benchmarks.engine import PG_DEFAULT, _fresh_database

_MARKS: list[tuple[float, str, str]] = []
_CPU: dict[str, list[float]] = {}


def _mark(name: str) -> None:
    _MARKS.append((time.perf_counter(), name, threading.current_thread().name))


def _wrap(module, name: str, label: str) -> None:
    original = getattr(module, name)

    @functools.wraps(original)
    def traced(*args, **kwargs):
        cpu = time.thread_time()
        _mark(label + ">")
        result = original(*args, **kwargs)
        _mark(label + "<")
        _CPU.setdefault(label, []).append((time.thread_time() - cpu) * 1000)
        return result

    setattr(module, name, traced)


def _wrap_async(cls, name: str, label: str) -> None:
    original = getattr(cls, name)

    @functools.wraps(original)
    async def traced(*args, **kwargs):
        _mark(label + ">")
        result = await original(*args, **kwargs)
        _mark(label + "<")
        return result

    setattr(cls, name, traced)


def _instrument() -> None:
    from wayvo_app.engine import executor, group_commit
    from wayvo_app.runtime import worker
    from wayvo_app.store import step_batches

    _wrap(step_batches, "lock_and_fence", "fence")
    _wrap(step_batches, "insert_settle_commit", "settle")
    _wrap(worker, "claim_with_worlds", "claim")
    _wrap_async(executor.Executor, "execute", "execute")
    _wrap_async(executor.Executor, "_run", "run")
    _wrap_async(group_commit.GroupCommit, "record", "record")
    wake = worker.Worker.wake

    def traced_wake(self):
        _mark("wake")
        return wake(self)

    worker.Worker.wake = traced_wake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--signals", type=int, default=200)
    parser.add_argument("--show", type=int, default=2, help="timelines printed in full")
    args = parser.parse_args()

    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)
    url, drop = _fresh_database("postgres", args.pg_url)
    try:
        from benchmarks import signals

        user_id, wf, version, _key = signals._setup(url)
        signals._bulk_waiting(url, user_id, wf, version, 0, args.waiting)
        _instrument()
        from wayvo_app.engine import wakeup
        from wayvo_app.runtime.embedded import start_worker_thread
        from wayvo_app.services.signals import signal_event

        worker = start_worker_thread(url=url, poll_interval=1.0)
        time.sleep(1.0)
        wakeup._runners.clear()  # no hand-over: the worker is woken by NOTIFY and claims
        offsets: dict[str, list[float]] = {}
        chosen = random.sample(range(args.waiting), min(args.signals + 5, args.waiting))
        shown = 0
        for n, i in enumerate(chosen):
            _MARKS.clear()
            _mark("signal>")
            signal_event(event_namespace="bench", event_key=f"k-{i}", payload={"i": i}, user_name="bench")
            _mark("signal<")
            time.sleep(0.05)
            if n < 5:  # connections, prepared statements
                continue
            t0 = _MARKS[0][0]
            for t, name, _thread in _MARKS:
                offsets.setdefault(name, []).append((t - t0) * 1000)
            if shown < args.show:
                shown += 1
                print(f"signal {shown}: ms from the signal call, mark, thread")
                for t, name, thread in _MARKS:
                    print(f"  {(t - t0) * 1000:7.2f}  {name:10s} {thread}")
        print("\nmedian offset from the signal call (ms); each mark of the two steps (the wait, the next) pooled:")
        for name, values in sorted(offsets.items(), key=lambda kv: statistics.median(kv[1])):
            print(f"  {statistics.median(values):7.2f}  {name} (n={len(values)})")
        print("\nthread CPU per call (ms, median):")
        for name, values in _CPU.items():
            print(f"  {name}: {statistics.median(values):.2f} (n={len(values)})")
        worker.stop()
        time.sleep(0.5)
    finally:
        drop()


if __name__ == "__main__":
    main()
