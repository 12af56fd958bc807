"""SSE idle cost: open 200 event streams (one per execution paused on a Wait for Event) against one web
worker and print that worker's CPU % over 30 s, after a baseline with no stream open (target: < 5 %).

Run: `python -m benchmarks.sse_idle [--streams 200] [--seconds 30] [--database-url URL]`. The worker is
one uvicorn process serving the HTTP API (the SSE route, its revision hub and sse-starlette's pings) on
a fresh SQLite file unless a database URL is given; the clients run in this process, not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from wayvo_app.runtime.worker import Worker
from wayvo_app.services import accounts, workflows
from wayvo_app.services.executions import trigger_workflow
from wayvo_app.settings import reset_settings
from wayvo_app.store import db
from wayvo_app.store.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key"


def use_node_registry() -> None:
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # this script is the composition root of its processes


def web_app():
    """The web worker's app (uvicorn --factory): the HTTP API with the node registry set."""
    from wayvo_app.api.app import create_api

    use_node_registry()
    return create_api()


def _waiting_doc() -> dict:
    return {"name": "SSE idle bench", "nodes": [
        {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
         "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}},
        {"id": "w", "type": "action", "position": {"x": 0, "y": 120},
         "data": {"label": "Wait", "type": "action",
                  "config": {"actionType": "Wait for Event", "eventNamespace": "bench",
                             "eventKey": "{{Trigger.n}}", "expiresIn": "7d"}}}],
        "edges": [{"id": "e", "source": "t", "target": "w"}]}


def prepare(url: str, count: int) -> tuple[str, list[str]]:
    """A user's session token and `count` executions paused on their wait."""
    os.environ["DATABASE_URL"], os.environ["WAYVO_SECRET_KEY"] = url, SECRET
    reset_settings()
    use_node_registry()
    upgrade(url)
    db.dispose_engines()
    with db.session() as s:
        user = accounts.find_user(s, "bench") or accounts.create_user(s, "bench", "bench-password", roles=[])
        token, _ = accounts.start_session(s, user, SECRET)
        wf = workflows.create_workflow(s, user.id, _waiting_doc(), pick_free_name=True)
        workflows.publish_workflow(s, wf.id, user.id)
        wf_id = wf.id
    ids = [trigger_workflow(workflow_id=wf_id, user_name="bench", input={"n": f"k{i}"}).execution_id
           for i in range(count)]
    asyncio.run(Worker(url=url, use_scheduler=False).drain(timeout=120))
    db.dispose_engines()
    return token, ids


def start_worker(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "WAYVO_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "benchmarks.sse_idle:web_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                             "--lifespan", "off"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)  # any answer: it is serving
            return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the web worker did not start")


def cpu_percent(pid: int, seconds: float) -> float:
    """The process's CPU time (user + system, all threads) over `seconds` of wall time, in %."""
    proc = psutil.Process(pid)
    before, start = proc.cpu_times(), time.monotonic()
    time.sleep(seconds)
    after, wall = proc.cpu_times(), time.monotonic() - start
    return 100 * ((after.user - before.user) + (after.system - before.system)) / wall


async def _hold(client: httpx.AsyncClient, url: str, opened: list, stop: asyncio.Event) -> None:
    """One stream: read until its first event (the stream is live), then keep reading until `stop`."""
    async with client.stream("GET", url) as response:
        assert response.status_code == 200, response.status_code
        lines = response.aiter_lines()
        async for line in lines:
            if line.startswith("event:"):
                opened.append(url)
                break
        reader = asyncio.ensure_future(_drain(lines))
        await stop.wait()
        reader.cancel()


async def _drain(lines) -> None:
    async for _ in lines:
        pass


async def measure(base: str, token: str, ids: list[str], pid: int, seconds: float) -> tuple[int, float]:
    limits = httpx.Limits(max_connections=len(ids) + 10, max_keepalive_connections=len(ids) + 10)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(60, read=None), limits=limits) as client:
        opened, stop = [], asyncio.Event()
        tasks = [asyncio.create_task(_hold(client, f"/api/workflows/executions/{i}/events", opened, stop))
                 for i in ids]
        deadline = time.monotonic() + 120
        while len(opened) < len(ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # let the opening burst settle before measuring
        busy = await asyncio.to_thread(cpu_percent, pid, seconds)
        count = len(opened)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return count, busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'sse-bench.db'}"
        token, ids = prepare(url, args.streams)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        proc = start_worker(url, port)
        try:
            baseline = cpu_percent(proc.pid, args.baseline_seconds)
            opened, busy = asyncio.run(measure(f"http://127.0.0.1:{port}", token, ids, proc.pid, args.seconds))
        finally:
            proc.terminate()
            proc.wait(20)
    print(f"database: {url.split(':')[0]}; one web worker (uvicorn, pid {proc.pid})")
    print(f"no stream open:      {baseline:5.2f} % CPU over {args.baseline_seconds:.0f} s")
    print(f"{opened:3d} idle streams:   {busy:5.2f} % CPU over {args.seconds:.0f} s (target < 5 %)")


if __name__ == "__main__":
    main()
