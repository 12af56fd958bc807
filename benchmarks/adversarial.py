"""Adversarial inputs (issue 16 items 1, 3, 4 and 9) sent to a running server while another user's
simple workflows run: prints the worst response time per input and whether the other user's
executions kept going (all succeeded, no step tried twice, trigger-to-finish times).

    .venv/bin/python -m benchmarks.adversarial [--db sqlite|postgres] [--pg URL]
    .venv/bin/python -m benchmarks.adversarial --base-url http://host:port \\
        --attacker NAME:PASSWORD --victim NAME:PASSWORD      # an existing server and two users

Without --base-url it starts its own: a fresh database, uvicorn (the API) and one `wayvo worker`,
with the product's default limits.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from benchmarks.engine import PG_DEFAULT, ROOT, _fresh_database
from benchmarks.signals import _port, _wait_up

MIB = 1024 * 1024
BURN = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
FINISHED = ("success", "error", "cancelled")


def _trigger(label: str = "Trigger") -> dict:
    return {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
            "data": {"label": label, "type": "trigger", "config": {"triggerType": "Manual"}}}


def _action(node_id: str, label: str, action_type: str, y: int = 100, **config) -> dict:
    return {"id": node_id, "type": "action", "position": {"x": 0, "y": y},
            "data": {"label": label, "type": "action", "config": {"actionType": action_type, **config}}}


def _doc(name: str, *actions: dict) -> dict:
    nodes = [_trigger(), *actions]
    edges = [{"id": f"e{i}", "source": nodes[i]["id"], "target": nodes[i + 1]["id"]} for i in range(len(nodes) - 1)]
    return {"name": name, "nodes": nodes, "edges": edges}


SIMPLE = _doc("Victim's simple workflow", _action("a", "Check", "Condition", condition="{{Trigger.i}} >= 0"),
              _action("b", "Again", "Condition", y=200, condition="{{Check.result}}"))


@dataclass
class Figures:
    """Response times (ms) and status codes per adversarial input."""

    rows: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, response: httpx.Response, ms: float) -> httpx.Response:
        self.rows.setdefault(name, []).append((ms, response.status_code))
        return response


def _timed(figures: Figures, name: str, send: Callable[[], httpx.Response]) -> httpx.Response:
    start = time.perf_counter()
    response = send()
    return figures.add(name, response, (time.perf_counter() - start) * 1000)


def _token(client: httpx.Client, credentials: str) -> dict:
    name, _, password = credentials.partition(":")
    r = client.post("/api/auth/login", json={"userName": name, "password": password})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _create(client: httpx.Client, headers: dict, doc: dict, publish: bool = True) -> str:
    r = client.post("/api/workflows", json=doc, headers=headers)
    r.raise_for_status()
    if publish:
        client.post(f"/api/workflows/{r.json()['id']}/publish", headers=headers).raise_for_status()
    return r.json()["id"]


# --- the victim: simple workflows all along --------------------------------------------------------

class Victim(threading.Thread):
    def __init__(self, base_url: str, headers: dict, workflow_id: str, every: float = 0.2):
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base_url, headers=headers, timeout=60)
        self.workflow_id, self.every = workflow_id, every
        self.started: list[tuple[str, float]] = []  # (execution id, wall time of the trigger)
        self.trigger_ms: list[tuple[float, float]] = []  # (wall time, response ms)
        self.refused: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop.wait(self.every):
            start, wall = time.perf_counter(), time.time()
            r = self.client.post(f"/api/workflow/{self.workflow_id}/execute", json={"input": {"i": i}})
            self.trigger_ms.append((wall, (time.perf_counter() - start) * 1000))
            if r.status_code == 200:
                self.started.append((r.json()["executionId"], time.time()))
            else:
                self.refused.append(r.status_code)
            i += 1

    def report(self, phases: list[tuple[str, float, float]], wait: float = 60.0) -> dict:
        deadline, details = time.time() + wait, {}
        for execution_id, _ in self.started:
            while True:
                details[execution_id] = self.client.get(f"/api/workflows/executions/{execution_id}").json()
                if details[execution_id]["status"] in FINISHED or time.time() > deadline:
                    break
                time.sleep(0.2)
        ok = [d for d in details.values() if d["status"] == "success"]
        retried = [d["id"] for d in details.values() if any(s["attempt"] > 1 for s in d["steps"])]
        finish = {i: _seconds(d["startedAt"], d["completedAt"]) for i, d in details.items() if d.get("completedAt")}
        per_phase = {}
        for name, start, end in phases:
            triggers = [ms for wall, ms in self.trigger_ms if start <= wall < end]
            runs = [finish.get(i, float("nan")) for i, wall in self.started if start <= wall < end]
            per_phase[name] = (len(triggers), max(triggers, default=0), max(runs, default=0))
        return {"triggered": len(self.started), "succeeded": len(ok), "refused": self.refused,
                "steps_tried_twice": len(retried), "per_phase": per_phase}


def _seconds(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


# --- the attacks --------------------------------------------------------------------------------------

def long_config_strings(client: httpx.Client, headers: dict, figures: Figures) -> None:
    """Item 1: quadratic-scan bait in a config string, at the string limit (scanned) and near 1 MiB."""
    baits = {"{{ * N": lambda n: "{{" * (n // 2), "{{a + spaces + (": lambda n: "{{a" + " " * (n - 4) + "(",
             "unterminated {%": lambda n: "{%" + " x" * ((n - 2) // 2)}
    wf = _create(client, headers, _doc("Bait", _action("a", "Check", "Condition", condition="true")), publish=False)
    for label, make in baits.items():
        for size, tag in ((64 * 1024 - 16, "64 KiB"), (MIB - 4096, "1 MiB")):
            doc = _doc("Bait", _action("a", "Check", "Condition", condition=make(size)))
            _timed(figures, f"item 1: {label} ({tag}) on create", lambda d=doc: client.post(
                "/api/workflows", json=d, headers=headers))
            _timed(figures, f"item 1: {label} ({tag}) on save", lambda d=doc: client.put(
                f"/api/workflows/{wf}", json=d, headers=headers))


def self_triggering(client: httpx.Client, headers: dict, figures: Figures) -> None:
    """Item 3: a workflow that starts itself (refused on save), through a template (refused at run), and
    A -> B -> A; then how many executions all that produced."""
    loop = _create(client, headers, _doc("Loop", _action("a", "Again", "Condition", condition="true")), publish=False)
    itself = _doc("Loop", _action("a", "Again", "Trigger Workflow", workflowId=loop),
                  _action("b", "Again 2", "Trigger Workflow", y=200, workflowId=loop))
    _timed(figures, "item 3: self-reference on save", lambda: client.put(
        f"/api/workflows/{loop}", json=itself, headers=headers))
    templated = _create(client, headers, _doc("Templated loop", _action(
        "a", "Again", "Trigger Workflow", workflowId="{{Trigger.target}}"), _action(
        "b", "Again 2", "Trigger Workflow", y=200, workflowId="{{Trigger.target}}")))
    first = _timed(figures, "item 3: templated self-start, execute", lambda: client.post(
        f"/api/workflow/{templated}/execute", json={"input": {"target": templated}}, headers=headers))
    b = _create(client, headers, _doc("B", _action("a", "Start A", "Trigger Workflow", workflowId=templated)))
    second = _timed(figures, "item 3: A -> B -> A, execute", lambda: client.post(
        f"/api/workflow/{templated}/execute", json={"input": {"target": b}}, headers=headers))
    time.sleep(5)
    statuses = [_status(client, headers, r) for r in (first, second)]
    figures.notes["item 3"] = f"executions of these workflows after 5 s: {_count_runs((loop, templated, b))} " \
                              f"(the two started: {statuses})"


def _count_runs(workflow_ids: tuple[str, ...]) -> str:
    """How many executions the loops produced (read in the database when this script started the server)."""
    url = os.environ.get("WAYVO_ADVERSARIAL_DB")
    if not url:
        return "n/a (an existing server)"
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT count(*) FROM executions WHERE workflow_id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": list(workflow_ids)}).scalar())
    finally:
        engine.dispose()


def _status(client: httpx.Client, headers: dict, response: httpx.Response) -> str:
    if response.status_code != 200:
        return str(response.status_code)
    detail = client.get(f"/api/workflows/executions/{response.json()['executionId']}", headers=headers).json()
    return f"{detail['status']}: {(detail.get('error') or '')[:90]}"


def render_bombs(client: httpx.Client, headers: dict, figures: Figures, count: int = 4) -> None:
    """Item 4: templates that burn CPU within every size limit, in async and sync nodes, several at once."""
    bombs = [_doc("Bomb request", _action("a", "Bomb", "HTTP Request", httpMethod="GET",
                                          endpoint="https://example.com/" + BURN)),
             _doc("Bomb mail", _action("a", "Bomb", "Send Email", to="a@example.com", subject=BURN, body="x"))]
    ids = [_create(client, headers, bombs[i % len(bombs)]) for i in range(count)]
    started = [_timed(figures, "item 4: render bomb, execute", lambda w=w: client.post(
        f"/api/workflow/{w}/execute", json={"input": {}}, headers=headers)) for w in ids]
    time.sleep(1)
    results, errors, deadline = [], set(), time.time() + 60
    for r in started:
        while True:
            detail = client.get(f"/api/workflows/executions/{r.json()['executionId']}", headers=headers).json()
            if detail["status"] in FINISHED or time.time() > deadline:
                break
            time.sleep(0.2)
        step = next((s for s in detail["steps"] if s["nodeId"] == "a"), {})
        results.append(f"{detail['status']} (step {step.get('durationMs', float('nan')) / 1000:.2f} s)")
        errors.add(json.dumps(step.get("error") or "")[:110])
    figures.notes["item 4"] = f"bombs: {', '.join(results)}; errors: {' / '.join(sorted(errors))}"


def deep_json(client: httpx.Client, key_headers: dict, figures: Figures) -> None:
    """Item 9: a JSON body nested 100,000 deep to the signal API (and a deep object)."""
    for label, body in (("100,000 [", "[" * 100_000), ("100,000 [ closed", "[" * 100_000 + "]" * 100_000),
                        ('50,000 {"a":', '{"a":' * 50_000)):
        for _ in range(3):
            _timed(figures, f"item 9: {label} to the signal API", lambda b=body: client.post(
                "/api/workflow/events/signal", content=b,
                headers={**key_headers, "Content-Type": "application/json"}))


# --- the server ---------------------------------------------------------------------------------------

def _start_server(db: str, pg: str) -> tuple[str, Callable[[], None]]:
    url, drop = _fresh_database(db, pg)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "WAYVO_EMBEDDED_WORKER": "false",
           "WAYVO_SECRET_KEY": os.environ.get("WAYVO_SECRET_KEY") or "adversarial-benchmark-secret-key-0123456789"}
    env.pop("WAYVO_MAX_RUNNING_PER_WORKSPACE", None)  # the product's default quota (benchmarks lift it)
    os.environ.update({"DATABASE_URL": url, "WAYVO_SECRET_KEY": env["WAYVO_SECRET_KEY"], "WAYVO_ADVERSARIAL_DB": url})
    _make_users(url)
    port = _port()
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "benchmarks.api_server:api_app",
                            "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    worker = subprocess.Popen([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "0.5"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop() -> None:
        for proc in (api, worker):
            proc.send_signal(signal.SIGTERM)
        for proc in (api, worker):
            proc.wait(30)
        drop()

    _wait_up(port)
    return f"http://127.0.0.1:{port}", stop




def _make_users(url: str) -> None:
    from wayvo_app.services import accounts
    from wayvo_app.settings import reset_settings
    from wayvo_app.store import db
    from wayvo_app.store.migrations import upgrade

    reset_settings()
    db.dispose_engines()
    upgrade(url)
    with db.session() as s:
        accounts.create_user(s, "attacker", "password1", roles=[])
        accounts.create_user(s, "victim", "password1", roles=[])
    db.dispose_engines()


def run(base_url: str, attacker: str, victim: str, bombs: int = 4) -> tuple[Figures, dict]:
    figures = Figures()
    with httpx.Client(base_url=base_url, timeout=120) as client:
        attack, defend = _token(client, attacker), _token(client, victim)
        key = client.post("/api/api-keys/create", json={"name": "adversarial"}, headers=attack).json()["key"]
        victim_thread = Victim(base_url, defend, _create(client, defend, SIMPLE))
        victim_thread.start()
        time.sleep(1)
        phases = []
        for name, step in (("quiet (before)", lambda: time.sleep(3)),
                           ("item 1", lambda: long_config_strings(client, attack, figures)),
                           ("item 3", lambda: self_triggering(client, attack, figures)),
                           ("item 4", lambda: render_bombs(client, attack, figures, bombs)),
                           ("item 9", lambda: deep_json(client, {"Authorization": f"Bearer {key}"}, figures))):
            start = time.time()
            step()
            phases.append((name, start, time.time()))
        victim_thread.stop.set()
        victim_thread.join()
        return figures, victim_thread.report(phases)


def _print(figures: Figures, victim: dict, where: str) -> None:
    print(f"\nAdversarial inputs against {where} ({os.cpu_count()} cores)\n")
    print("input | requests | statuses | worst response ms")
    print("--- | --- | --- | ---")
    for name, rows in figures.rows.items():
        statuses = ",".join(sorted({str(status) for _, status in rows}))
        print(f"{name} | {len(rows)} | {statuses} | {max(ms for ms, _ in rows):.0f}")
    for name, note in figures.notes.items():
        print(f"\n{name}: {note}")
    kept = victim["triggered"] and victim["succeeded"] == victim["triggered"] and not victim["steps_tried_twice"]
    print(f"\nOther user's executions: {victim['triggered']} started, {victim['succeeded']} succeeded, "
          f"{victim['steps_tried_twice']} with a step tried twice, refused triggers {victim['refused'] or 'none'} "
          f"-> {'KEPT GOING' if kept else 'DISTURBED'}\n")
    print("during | other user's triggers | worst trigger response ms | worst trigger-to-finish s")
    print("--- | --- | --- | ---")
    for name, (count, worst_ms, worst_s) in victim["per_phase"].items():
        print(f"{name} | {count} | {worst_ms:.0f} | {worst_s:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default=None, help="a running server (default: start one)")
    parser.add_argument("--attacker", default="attacker:password1")
    parser.add_argument("--victim", default="victim:password1")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--bombs", type=int, default=4, help="render bombs started at once (item 4)")
    parser.add_argument("--pg", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    args = parser.parse_args()
    stop = None
    base_url = args.base_url
    if base_url is None:
        base_url, stop = _start_server(args.db, args.pg)
    try:
        figures, victim = run(base_url, args.attacker, args.victim, args.bombs)
    finally:
        if stop is not None:
            stop()
    _print(figures, victim, args.base_url or f"a fresh server on {args.db}")


if __name__ == "__main__":
    main()
