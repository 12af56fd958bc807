"""Live viewer benchmark: delay from a step's change in the database to headless Chromium showing it
(p50/p95) with 1 and 50 viewers open, and the backend's CPU with 50 idle viewers.
Run: `python -m benchmarks.viewer_latency` (starts the app in prod mode on a fresh SQLite database)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC
from pathlib import Path

import httpx
import psutil
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, select

from wayvo_app.components.revision_hub import TICK_SECONDS
from wayvo_app.demo import DEMO_PASSWORD, load_demo
from wayvo_app.store import db
from wayvo_app.store.migrations import upgrade
from wayvo_app.store.models import ExecutionStep

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("WAYVO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding"]
# Records, per node id, when the browser first showed it green (epoch milliseconds).
OBSERVER_JS = """() => { window.__seen = {};
  const check = () => document.querySelectorAll('.react-flow__node.wv-success').forEach(n => {
    if (!(n.dataset.id in window.__seen)) window.__seen[n.dataset.id] = Date.now(); });
  check(); new MutationObserver(check).observe(document.body,
    {subtree: true, childList: true, attributes: true, attributeFilter: ['class']}); }"""


def start_app(port: int, workdir: Path) -> tuple[subprocess.Popen, str, str]:
    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    load_demo(url)
    db.dispose_engines()
    env = {**os.environ, "DATABASE_URL": url, "WAYVO_PORT": str(port), "APP_URL": f"http://localhost:{port}",
           "WAYVO_SECRET_KEY": "bench-secret-key", "REFLEX_USE_SYSTEM_BUN": "1",
           "REFLEX_CHECK_LATEST_VERSION": "0", "PYTHONUNBUFFERED": "1"}
    env["PATH"] = f"{ROOT / '.tools/node_modules/.bin'}:{env['PATH']}"
    log = open(workdir / "app.log", "w")  # noqa: SIM115 - lives as long as the app
    proc = subprocess.Popen(["reflex", "run", "--env", "prod", "--single-port", "--frontend-port", str(port),
                             "--backend-port", str(port)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://localhost:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app exited:\n{(workdir / 'app.log').read_text()[-3000:]}")
        try:
            if httpx.get(base + "/ping", timeout=2).status_code == 200:
                return proc, base, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("app did not start")


def waits_doc(namespace: str, count: int) -> dict:
    nodes = [{"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
              "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}}]
    for i in range(1, count + 1):
        nodes.append({"id": f"w{i}", "type": "action", "position": {"x": 0, "y": 120 * i},
                      "data": {"label": f"Wait {i}", "type": "action",
                               "config": {"actionType": "Wait for Event", "eventNamespace": namespace,
                                          "eventKey": "{{Trigger.id}}-" + str(i)}}})
    edges = [{"id": f"e{i}", "source": nodes[i - 1]["id"], "target": nodes[i]["id"]} for i in range(1, count + 1)]
    return {"name": f"Bench {namespace}", "nodes": nodes, "edges": edges}


class Api:
    def __init__(self, base: str):
        self.base = base
        token = httpx.post(f"{base}/api/auth/login", json={"userName": "owner", "password": DEMO_PASSWORD}).json()
        self.user = {"Authorization": f"Bearer {token['token']}"}
        key = self.post("/api/api-keys/create", {"name": "bench"}, self.user)["key"]
        self.key = {"Authorization": f"Bearer {key}"}

    def post(self, path: str, body: dict, headers: dict) -> dict:
        r = httpx.post(self.base + path, json=body, headers=headers, timeout=30)
        r.raise_for_status()
        return r.json()

    def start(self, workflow_id: str, ident: str) -> str:
        return self.post(f"/api/workflow/{workflow_id}/execute", {"input": {"id": ident}}, self.user)["executionId"]

    def status(self, execution_id: str) -> str:
        return httpx.get(f"{self.base}/api/workflows/executions/{execution_id}/status", headers=self.user).json()[
            "status"]


def finished_at(engine, execution_id: str, node_id: str) -> float | None:
    with engine.connect() as conn:
        moment = conn.execute(select(ExecutionStep.finished_at).where(
            ExecutionStep.execution_id == execution_id, ExecutionStep.node_id == node_id,
            ExecutionStep.status == "success")).scalar()
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def cpu_seconds(proc: subprocess.Popen) -> float:
    root = psutil.Process(proc.pid)
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def cpu_percent(proc: subprocess.Popen, seconds: float) -> float:
    before, start = cpu_seconds(proc), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(proc) - before) / (time.monotonic() - start) * 100


def open_viewers(context, base: str, execution_ids: list[str]) -> list:
    pages = []
    for execution_id in execution_ids:
        page = context.new_page()
        page.goto(f"{base}/workflows/executions/{execution_id}")
        pages.append(page)
    for page in pages:
        page.locator("#viewer-live").wait_for(timeout=60000)
        page.evaluate(OBSERVER_JS)
    return pages


def run_rounds(api: Api, engine, pages: list, execs: list[tuple[str, str]], namespace: str,
               rounds: int) -> list[float]:
    """Signal wait i of every execution, then read when each browser showed node w{i} green."""
    delays = []
    for i in range(1, rounds + 1):
        for _execution_id, ident in execs:
            api.post("/api/workflow/events/signal", {"eventNamespace": namespace, "eventKey": f"{ident}-{i}",
                                                      "payload": {}}, api.key)
        deadline = time.monotonic() + 30
        pending = list(zip(pages, execs, strict=True))
        while pending and time.monotonic() < deadline:
            still = []
            for page, (execution_id, _ident) in pending:
                seen = page.evaluate(f"() => window.__seen['w{i}'] ?? null")
                changed = finished_at(engine, execution_id, f"w{i}")
                if seen is None or changed is None:
                    still.append((page, (execution_id, _ident)))
                else:
                    delays.append(seen / 1000 - changed)
            pending = still
            time.sleep(0.05)
        if pending:
            raise SystemExit(f"round {i}: {len(pending)} viewers never showed the change")
        time.sleep(0.5)
    return delays


def summary(delays: list[float]) -> dict:
    ms = sorted(d * 1000 for d in delays)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return {"samples": len(ms), "p50_ms": round(statistics.median(ms)), "p95_ms": round(p95),
            "max_ms": round(ms[-1])}


def scenario(api, engine, context, base, viewers: int, rounds: int) -> dict:
    namespace = "bench" + uuid.uuid4().hex[:8]
    workflow_id = api.post("/api/workflows", waits_doc(namespace, rounds), api.user)["id"]
    execs = [(api.start(workflow_id, f"x{n}"), f"x{n}") for n in range(viewers)]
    for execution_id, _ in execs:
        while api.status(execution_id) != "paused":
            time.sleep(0.1)
    pages = open_viewers(context, base, [e for e, _ in execs])
    return {"pages": pages, "execs": execs, "namespace": namespace}


def signed_in_context(browser, base: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    login = context.new_page()
    login.goto(f"{base}/login")
    login.fill("#user_name", "owner")
    login.fill("#password", DEMO_PASSWORD)
    login.click("#sign-in")
    login.wait_for_url("**/workflows")
    login.close()
    return context


def main() -> None:
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # this script is the composition root of its process
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("WAYVO_BENCH_PORT", "3243")))
    parser.add_argument("--many", type=int, default=50, help="viewers in the second scenario")
    parser.add_argument("--rounds-one", type=int, default=20)
    parser.add_argument("--rounds-many", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="wayvo-bench-"))
    proc, base, db_url = start_app(args.port, workdir)
    engine = create_engine(db_url)
    results: dict = {"hubTickSeconds": TICK_SECONDS}
    try:
        api = Api(base)
        results["cpuNoViewersPercent"] = round(cpu_percent(proc, args.idle_seconds / 2), 1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = signed_in_context(browser, base)
            one = scenario(api, engine, context, base, 1, args.rounds_one)
            results["oneViewer"] = summary(run_rounds(api, engine, one["pages"], one["execs"], one["namespace"],
                                                      args.rounds_one))
            for page in one["pages"]:
                page.close()
            many = scenario(api, engine, context, base, args.many, args.rounds_many)
            results[f"cpu{args.many}IdleViewersPercent"] = round(cpu_percent(proc, args.idle_seconds), 1)
            results[f"{args.many}Viewers"] = summary(run_rounds(api, engine, many["pages"], many["execs"],
                                                                many["namespace"], args.rounds_many))
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    print(json.dumps(results, indent=2))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"viewer_latency_{int(time.time())}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
