"""CPU per request in the web tier, for the requests of benchmarks/load.py (trigger, signal,
approval decision) and GET /api/health: the API served by granian (as load.py starts it, 2 web
workers) with one engine worker, driven closed-loop by --clients concurrent clients. Prints, per
scenario and round, req/s and the CPU ms per request of the web processes (every process of
granian's group, from /proc), of this client process, of the engine worker and of every postgres
process on the machine (other users' work included: a rough figure).

    python -m benchmarks.web_cpu [--requests 600] [--rounds 2] [--clients 16] [--client lean|httpx]
                                 [--threads] [--py-spy DIR]     # per-thread CPU; py-spy raw stacks
    python -m benchmarks.web_cpu --profile [--requests 300] [--top 40] [--only trigger] [--loop-only]

--profile calls the app in this process (plain ASGI calls, no HTTP client): CPU per request of
every thread and of the event loop's, statements per request (counted on the psycopg cursor) and
new database connections per scenario, then a cProfile of each (CPU time, the executor's threads
too). Loopback only, in a PostgreSQL schema of its own that is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json as jsonlib
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from benchmarks.engine import PG_DEFAULT, _fresh_database
from benchmarks.load import _bulk_approvals, _client, _setup, _start, _stop_all
from benchmarks.signals import _bulk_waiting, _port, _wait_up

TICK = os.sysconf("SC_CLK_TCK")


def _stat(path: str) -> tuple[str, list[str]] | None:
    """(name, fields after the name) of a /proc stat file; None once the process is gone."""
    try:
        with open(path) as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.index("(") + 1:raw.rindex(")")], raw.rsplit(")", 1)[1].split()


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _processes() -> Iterator[tuple[int, str, int, float]]:
    """(pid, name, process group, CPU seconds) of every live process."""
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _stat(f"/proc/{entry}/stat")) is not None:
            name, fields = found
            yield int(entry), name, int(fields[2]), _cpu(fields)


def _group_pids(pgid: int) -> list[int]:
    return [pid for pid, _, group, _ in _processes() if group == pgid]


def _group_cpu(pgid: int) -> float:
    """CPU seconds of every live process in the process group `pgid`."""
    return sum(cpu for _, _, group, cpu in _processes() if group == pgid)


def _postgres_cpu() -> float:
    """CPU seconds of every postgres process on the machine (other users' work included)."""
    return sum(cpu for _, name, _, cpu in _processes() if name == "postgres")


def _thread_cpu(pids: list[int]) -> dict[str, float]:
    """CPU seconds per (process, thread name) of these processes' threads."""
    out: dict[str, float] = {}
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            if (found := _stat(f"/proc/{pid}/task/{tid}/stat")) is not None:
                key = f"{pid}:{'main' if tid == str(pid) else found[0]}"
                out[key] = out.get(key, 0.0) + _cpu(found[1])
    return out


class Scenarios:
    """The requests of load.py (same routes, bodies, headers and credentials)."""

    def __init__(self, ids, waiting: list[str], request_ids: list[str]):
        self.ids, self.waiting, self.request_ids = ids, waiting, request_ids
        self.prefix = uuid.uuid4().hex[:6]

    def names(self) -> list[str]:
        return ["health", "trigger", "signal", "decision"]

    async def call(self, client: httpx.AsyncClient, name: str, i: int) -> bool:
        key = {"Authorization": f"Bearer {self.ids.key}"}
        if name == "health":
            r = await client.get("/api/health")
        elif name == "trigger":
            r = await client.post(f"/api/workflow/{self.ids.noop}/execute", json={"input": {"i": i}},
                                  headers={**key, "Idempotency-Key": f"{self.prefix}-{i}"})
        elif name == "signal":
            r = await client.post("/api/workflow/events/signal", headers=key,
                                  json={"eventNamespace": "bench", "eventKey": self.waiting.pop(), "payload": {"i": i}})
        else:
            r = await client.post(f"/api/workflow/approvals/{self.request_ids.pop()}/decide",
                                  json={"decision": "approved"},
                                  headers={"Authorization": f"Bearer {self.ids.token}"})
        ok = r.status_code == 200 or (name == "health" and r.status_code == 503)  # 503: no engine worker
        if not ok:
            print(f"  {name}: HTTP {r.status_code} {r.text[:200]}", file=sys.stderr)
        return ok


async def _closed_loop(client: httpx.AsyncClient, scenarios: Scenarios, name: str, n: int, clients: int) -> int:
    counter = iter(range(n))
    ok = 0

    async def one_client():
        nonlocal ok
        for i in counter:
            done = await scenarios.call(client, name, i)
            ok += done

    await asyncio.gather(*[one_client() for _ in range(clients)])
    return ok


def _prepare(url: str, n: int):
    ids = _setup(url)
    request_ids = _bulk_approvals(url, ids, 3 * n + 64)
    _bulk_waiting(url, ids.user_id, ids.wait, ids.wait_version, 0, 3 * n + 64)
    return ids, [f"k-{i}" for i in range(3 * n + 64)], request_ids


def served(args, url: str) -> None:
    ids, waiting, request_ids = _prepare(url, args.requests)
    scenarios = Scenarios(ids, waiting, request_ids)
    logdir = Path(tempfile.mkdtemp(prefix="wayvo-webcpu-"))
    env = {**os.environ, "DATABASE_URL": url, "WAYVO_EMBEDDED_WORKER": "false",
           "WAYVO_SERVER_ACTIONS": "benchmarks.noop_actions:ACTIONS"}
    port = _port()
    api = _start([sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                  "--port", str(port), "--workers", str(args.web_workers), "--log-level", "warning",
                  *args.granian, "benchmarks.api_server:api_app"], env, logdir / "api.log")
    worker = _start([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "1"], env,
                    logdir / "worker.log")
    try:
        _wait_up(port)
        time.sleep(1.0)

        async def run() -> None:
            async with _client(args.client, port, "-", args.clients, 30) as client:
                print(f"{'scenario':10} {'req/s':>7} {'ok':>5} {'web ms/req':>11} {'client ms/req':>14} "
                      f"{'engine ms/req':>14} {'pg ms/req':>10}")
                for name in scenarios.names():
                    if args.only and name not in args.only:
                        continue
                    await _closed_loop(client, scenarios, name, 32, args.clients)  # warm both web workers
                    for r in range(args.rounds):
                        spies = []
                        if args.py_spy and r == 0:
                            for pid in _group_pids(api.pid):
                                if pid != api.pid:
                                    spies.append(subprocess.Popen(
                                        [args.py_spy_bin, "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
                                         "--output", f"{args.py_spy}/{name}-{pid}.txt", "--threads"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                            await asyncio.sleep(1.0)
                        threads0 = _thread_cpu(_group_pids(api.pid))
                        web0, eng0, me0 = _group_cpu(api.pid), _group_cpu(worker.pid), time.process_time()
                        pg0 = _postgres_cpu()
                        t0 = time.perf_counter()
                        ok = await _closed_loop(client, scenarios, name, args.requests, args.clients)
                        wall = time.perf_counter() - t0
                        web, eng = _group_cpu(api.pid) - web0, _group_cpu(worker.pid) - eng0
                        me = time.process_time() - me0
                        pg = _postgres_cpu() - pg0
                        n = args.requests
                        if args.threads:
                            threads = _thread_cpu(_group_pids(api.pid))
                            spent = {k: v - threads0.get(k, 0.0) for k, v in threads.items()}
                            print("   ", ", ".join(f"{k} {v * 1000 / args.requests:.2f}"
                                                   for k, v in sorted(spent.items()) if v > 0))
                        for spy in spies:
                            spy.send_signal(signal.SIGINT)
                            spy.wait(30)
                        print(f"{name:10} {n / wall:7.0f} {ok:5} {web * 1000 / n:11.2f} {me * 1000 / n:14.2f} "
                              f"{eng * 1000 / n:14.2f} {pg * 1000 / n:10.2f}", flush=True)

        asyncio.run(run())
    finally:
        _stop_all()
    print(f"server logs: {logdir}")


class _Direct:
    """A minimal in-process client: calls the ASGI app with a scope, hands it the body, collects
    the response (no HTTP client in the figures). Quacks like the httpx calls Scenarios makes."""

    class Response:
        def __init__(self, status_code: int, body: bytes):
            self.status_code, self.content = status_code, body

        @property
        def text(self) -> str:
            return self.content.decode(errors="replace")

    def __init__(self, app):
        self.app = app

    async def get(self, path: str, headers: dict | None = None):
        return await self.request("GET", path, b"", headers or {})

    async def post(self, path: str, json=None, headers: dict | None = None):
        return await self.request("POST", path, jsonlib.dumps(json).encode(), {"content-type": "application/json",
                                                                               **(headers or {})})

    async def request(self, method: str, path: str, body: bytes, headers: dict):
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        raw += [(b"host", b"test"), (b"content-length", str(len(body)).encode())]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
                 "headers": raw, "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80)}
        sent = False
        status, chunks = 0, []

        async def receive():
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return self.Response(status, b"".join(chunks))


def _profile_threads(profiles: list) -> None:
    """cProfile in every thread started from now on (the executor's threads), into `profiles`."""
    import threading

    def hook(_frame, _event, _arg):
        sys.setprofile(None)
        profile = cProfile.Profile(time.thread_time)
        profiles.append(profile)
        profile.enable()

    threading.setprofile(hook)


def in_process(args, url: str) -> None:
    """The app in this process, called directly: CPU per request (all threads), statements per
    request and a cProfile of each scenario (this thread and the executor's)."""
    from benchmarks.start_call import _count_statements
    from wayvo_app.api.app import create_api
    from wayvo_app.store import db

    ids, waiting, request_ids = _prepare(url, args.requests)
    scenarios = Scenarios(ids, waiting, request_ids)
    app = create_api()
    seen: list[str] = []
    _count_statements(db.get_engine(), seen)
    connects: list[int] = []
    from sqlalchemy import event

    event.listen(db.get_engine(), "connect", lambda *_: connects.append(1))
    profiles: list[cProfile.Profile] = []

    async def run() -> None:
        client = _Direct(app)
        for name in scenarios.names():
            if args.only and name not in args.only:
                continue
            await _closed_loop(client, scenarios, name, 32, args.clients)
            seen.clear()
            connects.clear()
            t0, loop0 = time.process_time(), time.thread_time()
            await _closed_loop(client, scenarios, name, args.requests, args.clients)
            cpu, loop_cpu = time.process_time() - t0, time.thread_time() - loop0
            kinds = {k: seen.count(k) / args.requests for k in sorted(set(seen))}
            print(f"\n== {name}: {cpu * 1000 / args.requests:.2f} ms CPU per request (every thread; "
                  f"{loop_cpu * 1000 / args.requests:.2f} on the event loop's), "
                  f"statements per request: {sum(kinds.values()):.2f} {kinds}, new connections: {len(connects)}",
                  flush=True)
            if args.top:
                main = cProfile.Profile(time.thread_time)
                main.enable()
                await _closed_loop(client, scenarios, name, args.requests, args.clients)
                main.disable()
                stats = pstats.Stats(main)
                for profile in profiles:
                    stats.add(profile)
                    profile.clear()
                stats.sort_stats(args.sort).print_stats(args.top)

    if args.top and not args.loop_only:
        _profile_threads(profiles)
    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--requests", type=int, default=600, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--client", choices=["lean", "httpx"], default="lean", help="as benchmarks/load.py's")
    parser.add_argument("--granian", nargs="*", default=[], help="extra granian options, e.g. --granian=--loop=asyncio")
    parser.add_argument("--py-spy", default=None, help="a folder: py-spy records of each web worker, first round")
    parser.add_argument("--threads", action="store_true", help="web CPU ms per request per thread too")
    parser.add_argument("--py-spy-bin", default="/work/venv-bench/bin/py-spy")
    parser.add_argument("--profile", action="store_true", help="in-process, with cProfile")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--loop-only", action="store_true", help="profile the event loop's thread only")
    parser.add_argument("--only", nargs="*", default=None, help="scenarios to run (default all)")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    host = httpx.URL(args.pg.replace("postgresql+psycopg", "http", 1)).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only: --pg must point at 127.0.0.1")

    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)
    url, drop = _fresh_database("postgres", args.pg)
    try:
        (in_process if args.profile else served)(args, url)
    finally:
        from wayvo_app.store import db

        db.dispose_engines()
        drop()


if __name__ == "__main__":
    main()
