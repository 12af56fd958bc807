"""DBOS Transact's side of benchmarks.versus_dbos: the same 3-no-op-step workflow and the same
pause/resume shape, run in a child process (DBOS is a process-wide singleton) that prints its
figures as one JSON line. Needs the optional extra: pip install -e '.[bench]'.

    python -m benchmarks.dbos_side direct|enqueue|worker|paused --url URL --schema S [...]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import threading
import time

import psutil
from dbos import DBOS, DBOSConfig, SetWorkflowID

QUEUE = "bench"


@DBOS.step()
def noop_step(i: int) -> dict:
    return {"ok": True}


@DBOS.workflow()
def three_steps(i: int) -> int:
    """Three no-op steps, as benchmarks.engine's workflow has three no-op actions."""
    noop_step(i)
    noop_step(i)
    noop_step(i)
    return i


@DBOS.step()
async def anoop_step(i: int) -> dict:
    return {"ok": True}


# In-process marks of the pause/resume workflow, read by `paused` (perf_counter seconds).
REACHED: list[int] = [0]
RECEIVED: dict[int, float] = {}
DONE: dict[int, asyncio.Event] = {}
FINISHED: dict[int, float] = {}


@DBOS.workflow()
async def waiter(i: int) -> None:
    """The shape of benchmarks.signals' workflow: a step, wait for a message, then the next step."""
    await anoop_step(i)
    REACHED[0] += 1
    await DBOS.recv_async("go", timeout_seconds=3600)
    RECEIVED[i] = time.perf_counter()
    await anoop_step(i)
    FINISHED[i] = time.perf_counter()
    DONE[i].set()


def launch(args, *, executor_id: str = "bench", listen: list[str] | None = None) -> None:
    config: DBOSConfig = {"name": "wayvo-bench", "system_database_url": args.url,
                          "dbos_system_schema": args.schema, "application_version": "bench",
                          "executor_id": executor_id, "sys_db_pool_size": args.pool, "log_level": "WARNING"}
    DBOS(config=config)
    if listen is not None:
        DBOS.listen_queues(listen)
    DBOS.launch()


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


def _threads_rate(executions: int, threads: int) -> float:
    """Workflows per second when `threads` threads call three_steps() until `executions` ran."""
    todo, lock = iter(range(executions)), threading.Lock()

    def run() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            three_steps(i)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return executions / (time.perf_counter() - start)


def direct(args) -> dict:
    """Workflows called synchronously from T threads (each runs in its caller's thread), then
    DBOS.start_workflow() call time and start -> result with an idle process."""
    launch(args)
    for i in range(20):  # warm-up: connections, first-call imports
        three_steps(-i)
    out = {f"threads_{t}": _threads_rate(args.executions, t) for t in args.threads}
    calls, finish = [], []
    for i in range(args.samples):
        start = time.perf_counter()
        handle = DBOS.start_workflow(three_steps, 10**7 + i)
        calls.append(time.perf_counter() - start)
        handle.get_result()
        finish.append(time.perf_counter() - start)
        time.sleep(0.005)
    out.update(start_p50_ms=_pct(calls, .5) * 1000, start_p99_ms=_pct(calls, .99) * 1000,
               finish_p50_ms=_pct(finish, .5) * 1000)
    return out


def enqueue(args) -> dict:
    """Register the queue and enqueue `executions` workflows without running them here."""
    launch(args, listen=[])
    queue = DBOS.register_queue(QUEUE, worker_concurrency=args.concurrency,
                                polling_interval_sec=args.poll, on_conflict="always_update")
    for i in range(args.executions):
        queue.enqueue(three_steps, i)
    return {"enqueued": args.executions}


def worker(args) -> dict:
    """Dequeue and run until SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    launch(args, executor_id=args.executor_id)
    print(json.dumps({"ready": True}), flush=True)
    stop.wait()
    return {}


async def _paused(args) -> dict:
    loop_ids = {}

    async def start(i: int) -> None:
        DONE[i] = asyncio.Event()
        with SetWorkflowID(f"wait-{i}"):
            await DBOS.start_workflow_async(waiter, i)
        loop_ids[i] = f"wait-{i}"

    await start(-1)  # warm-up: one full pause/resume before the idle figure
    await asyncio.sleep(0.5)
    await DBOS.send_async("wait--1", "x", "go")
    await DONE[-1].wait()
    gc.collect()
    idle = _rss_mb()
    for chunk in range(0, args.count, 50):
        await asyncio.gather(*(start(i) for i in range(chunk, min(chunk + 50, args.count))))
    while REACHED[0] < args.count + 1:
        await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)  # let each recv register its wait
    gc.collect()
    paused = _rss_mb()
    recv, step, send_call = [], [], []
    for i in random.sample(range(args.count), args.samples):
        start_t = time.perf_counter()
        await DBOS.send_async(f"wait-{i}", {"i": i}, "go")
        send_call.append(time.perf_counter() - start_t)
        await asyncio.wait_for(DONE[i].wait(), 30)
        recv.append(RECEIVED[i] - start_t)
        step.append(FINISHED[i] - start_t)
        await asyncio.sleep(0.02)
    return {"idle_rss_mb": idle, "paused_rss_mb": paused, "paused": args.count,
            "send_call_p50_ms": _pct(send_call, .5) * 1000,
            "recv_p50_ms": _pct(recv, .5) * 1000, "recv_p99_ms": _pct(recv, .99) * 1000,
            "step_p50_ms": _pct(step, .5) * 1000, "step_p99_ms": _pct(step, .99) * 1000}


def paused(args) -> dict:
    """`count` async workflows waiting in recv in this process; RSS, then send -> resumed."""
    launch(args)
    return asyncio.run(_paused(args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("measure", choices=["direct", "enqueue", "worker", "paused"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--executor-id", default="w1")
    args = parser.parse_args()
    try:
        result = globals()[args.measure](args)
    finally:
        DBOS.destroy()
    if result:
        print(json.dumps(result), flush=True)
    os._exit(0)  # DBOS's daemon threads may linger; the figures are printed


if __name__ == "__main__":
    main()
