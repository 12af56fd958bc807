"""Load test of the HTTP API on PostgreSQL: sustained triggers/s of a three-step workflow, signals/s
against 1,000 and 100,000 waiting executions, and approval decisions/s, each with 1 and 2 engine
workers (`wayvo worker` processes) and 2 web workers. Prints p50/p95/p99/max latency, the error
rate, the backlog (time from the end of the load until every affected execution finished) and a
"held" verdict, then checks the invariants of issue 9 with SQL after every run.

    .venv/bin/python -m benchmarks.load [--rate 100] [--seconds 20] [--workers 1 2] [--pg URL]
    .venv/bin/python -m benchmarks.load --quick        # smoke test: 1,000 waiting only, 5 s runs

The load test drives the API app directly with granian (`granian --interface asgi --factory
--workers 2 benchmarks.api_server:api_app`, the server `reflex run --env prod` runs), which is the
same FastAPI app that Reflex mounts under `/api`, with the node registry set as the web process sets it; the Reflex UI is not part of the measured path.
Everything runs on loopback (127.0.0.1), in a PostgreSQL schema of its own that is dropped at the
end. (uvicorn was avoided: with `--workers` > 1 it never sets TCP_NODELAY on accepted connections
and every response waits ~40 ms for a delayed ACK, Kludex/uvicorn#3149.)

Load is open-loop: request i is due at t0 + i/rate and is sent then whatever happened to the
earlier ones (concurrency is bounded by --concurrency connections). Latency is measured from the
time a request was *due*, not from when it was actually sent, so a stalled server or a saturated
client shows up in the tail instead of being hidden (no coordinated omission).
The generator shares the cores with the servers: its client is benchmarks/lean_http.py by default
(~0.3 ms of CPU a request; `--client httpx` costs ~2.5 ms a request, a quarter of a core at 100/s).

"held" = p99 <= 250 ms (signals and triggers; decisions have no latency target), errors < 0.1 %,
and every invariant passing. Invariants (issue 9, item 5), checked after each run has drained:
  1. every accepted trigger has exactly one execution (each request carries an Idempotency-Key)
  2. every execution ends (success/error/cancelled) or legitimately waits (paused on an open
     wait event or pending approval)
  3. no (execution, node) has two successful step attempts
  4. every received wait event matches exactly one accepted signal (and vice versa)
  5. no step is `running` past its lease
  6. every accepted decision settled its approval request once (one decision row, approved)
Requests whose response was lost (error or timeout) may still have taken effect; such rows are
reported as "unacknowledged" in the details, not as invariant failures.

Every process started here (uvicorn and its web workers, the engine workers) runs in a process
group of its own and is stopped on exit, Ctrl-C, SIGTERM or an exception.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from benchmarks.engine import PG_DEFAULT, ROOT, _fresh_database
from benchmarks.lean_http import LeanClient
from benchmarks.signals import DOC as WAIT_DOC
from benchmarks.signals import _bulk_waiting, _port, _wait_up

P99_TARGET_MS = 250.0
ERROR_TARGET = 0.001
WARMUP = 16  # unmeasured requests before each run


def _node(node_id: str, y: int, label: str, config: dict, kind: str = "action") -> dict:
    return {"id": node_id, "type": kind, "position": {"x": 0, "y": y},
            "data": {"label": label, "type": kind, "config": config}}


TRIGGER = _node("t", 0, "Trigger", {"triggerType": "Manual"}, "trigger")
NOOP_DOC = {"name": "load-three-steps",
            "nodes": [TRIGGER] + [_node(f"a{i}", 100 * i, f"Noop {i}", {"actionType": "Call Action", "action": "noop"})
                                  for i in (1, 2, 3)],
            "edges": [{"id": "e1", "source": "t", "target": "a1"}, {"id": "e2", "source": "a1", "target": "a2"},
                      {"id": "e3", "source": "a2", "target": "a3"}]}
APPROVAL_DOC = {"name": "load-approval",
                "nodes": [TRIGGER,
                          _node("a", 100, "Approve", {"actionType": "Request Approval", "title": "Load {{Trigger.i}}",
                                                      "approvers": "bench", "approvalType": "single"}),
                          _node("c", 200, "After", {"actionType": "Condition", "condition": "true"})],
                "edges": [{"id": "e1", "source": "t", "target": "a"},
                          {"id": "e2", "source": "a", "target": "c", "sourceHandle": "approved"}]}

# -- processes ------------------------------------------------------------------------------------

_PROCS: list[subprocess.Popen] = []


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # its own process group (uvicorn's children too)
    _PROCS.append(proc)
    return proc


def _stop_all() -> None:
    """SIGTERM every process group we started, then SIGKILL whatever is left after 20 s."""
    procs = [p for p in _PROCS if p.poll() is None]
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 20
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for proc in _PROCS:
        try:  # the group may outlive its leader (uvicorn's web workers): kill it either way
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if proc.poll() is None:
            proc.wait(5)
    _PROCS.clear()


def _servers(url: str, port: int, engine_workers: int, web_workers: int, logdir: Path) -> None:
    """Like benchmarks.signals._servers, with several web workers and engine workers."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "WAYVO_EMBEDDED_WORKER": "false",
           "WAYVO_SERVER_ACTIONS": "benchmarks.noop_actions:ACTIONS"}
    # granian, the server `reflex run --env prod` uses (uvicorn with several workers adds ~40 ms per
    # response: Kludex/uvicorn#3149).
    _start([sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(web_workers), "--log-level", "warning",
            "benchmarks.api_server:api_app"], env, logdir / "api.log")
    for i in range(engine_workers):
        _start([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "1"], env,
               logdir / f"worker{i + 1}.log")


def _log_problems(logdir: Path) -> dict[str, int]:
    """Tracebacks and ERROR lines the servers wrote during the whole run, per log file."""
    found = {}
    for log in sorted(logdir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        count = sum(1 for line in lines if "Traceback" in line or " ERROR " in line or line.startswith("ERROR"))
        if count:
            found[log.name] = count
    return found


# -- database setup ---------------------------------------------------------------------------------

@dataclass
class Ids:
    user_id: str
    key: str
    token: str
    noop: str
    wait: str
    wait_version: str
    approval: str
    approval_version: str


def _setup(url: str) -> Ids:
    os.environ["DATABASE_URL"] = url
    os.environ["WAYVO_SERVER_ACTIONS"] = "benchmarks.noop_actions:ACTIONS"
    os.environ.setdefault("WAYVO_SECRET_KEY", uuid.uuid4().hex * 2)  # the servers inherit it
    from wayvo_app.services import accounts, api_keys, workflows
    from wayvo_app.settings import get_settings, reset_settings
    from wayvo_app.store import db
    from wayvo_app.store.migrations import upgrade

    reset_settings()
    db.dispose_engines()
    upgrade(url)
    with db.session() as s:
        user = accounts.create_user(s, "bench", "password1", roles=["approver"])
        ids = {}
        for name, doc in (("noop", NOOP_DOC), ("wait", WAIT_DOC), ("approval", APPROVAL_DOC)):
            wf = workflows.create_workflow(s, user.id, doc)
            ids[name] = (wf.id, workflows.publish_workflow(s, wf.id, user.id).id)
        key = api_keys.create_api_key(s, user.id, "load key").key
        token, _ = accounts.start_session(s, user, get_settings().secret_key)
        return Ids(user.id, key, token, ids["noop"][0], ids["wait"][0], ids["wait"][1], ids["approval"][0],
                   ids["approval"][1])


def _bulk_approvals(url: str, ids: Ids, count: int) -> list[str]:
    """`count` executions paused on a pending single-approver request (the state a real Request
    Approval step leaves), like benchmarks.signals._bulk_waiting; returns the request ids."""
    from sqlalchemy import text

    from wayvo_app.store import db
    from wayvo_app.store.models import ApprovalRequest, Execution, ExecutionStep

    now, request_ids = datetime.now(UTC), []
    with db.get_engine(url).connect() as conn:  # executions and requests belong to the workflow's workspace
        workspace_id = conn.execute(text("SELECT workspace_id FROM workflows WHERE id = :i"),
                                    {"i": ids.approval}).scalar()
    for chunk in range(0, count, 5000):
        ex, steps, requests = [], [], []
        for i in range(chunk, min(chunk + 5000, count)):
            eid, sid, rid = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
            ex.append({"id": eid, "workflow_id": ids.approval, "version_id": ids.approval_version,
                       "user_id": ids.user_id, "status": "paused", "trigger_type": "Manual", "input": {"i": i},
                       "workspace_id": workspace_id, "started_at": now, "updated_at": now})
            common = {"execution_id": eid, "attempt": 1, "recoveries": 0, "queued_at": now, "run_at": None}
            steps.append({**common, "id": str(uuid.uuid4()), "node_id": "t", "status": "success",
                          "handles": ["default"], "output": {"i": i}, "wait_kind": None})
            steps.append({**common, "id": sid, "node_id": "a", "status": "waiting", "handles": None,
                          "output": {"approvalRequestId": rid}, "wait_kind": "approval"})
            requests.append({"id": rid, "execution_id": eid, "step_id": sid, "node_id": "a",
                             "workflow_id": ids.approval, "workspace_id": workspace_id, "title": f"Load {i}",
                             "description": "",
                             "approval_type": "single", "approvers": ["bench"], "approver_roles": [],
                             "eligible": ["bench"], "required_approvals": 1, "status": "pending",
                             "context_data": None, "on_rejection": "error", "on_expiration": "error",
                             "expires_at": None, "created_at": now, "decided_at": None, "updated_at": now})
            request_ids.append(rid)
        with db.get_engine(url).begin() as conn:
            conn.execute(Execution.__table__.insert(), ex)
            conn.execute(ExecutionStep.__table__.insert(), steps)
            conn.execute(ApprovalRequest.__table__.insert(), requests)
    return request_ids


# -- open-loop load ---------------------------------------------------------------------------------

@dataclass
class Load:
    sent: int = 0
    ok: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, from the due time, every response
    errors: Counter = field(default_factory=Counter)
    window: float = 0.0  # first due time to last response
    max_send_lag: float = 0.0  # how late the generator created a request (client saturation)

    @property
    def error_rate(self) -> float:
        return (self.sent - self.ok) / self.sent if self.sent else 0.0

    def pct(self, p: float) -> float:
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")


def _client(kind: str, port: int, token: str, concurrency: int, timeout: float):
    """The generator's HTTP client: `lean` (benchmarks/lean_http.py, ~0.3 ms of CPU a request) or
    `httpx` (~2.5-3 ms), both holding at most `concurrency` keep-alive connections."""
    headers = {"Authorization": f"Bearer {token}"}
    if kind == "lean":
        return LeanClient("127.0.0.1", port, headers=headers, timeout=timeout)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=timeout, headers=headers)


async def open_loop(port: int, token: str, rate: float, seconds: float, concurrency: int, timeout: float,
                    request, warmup=None, client_kind: str = "lean") -> Load:
    """Send int(rate*seconds) requests, request i due at t0 + i/rate; `request(client, i)` returns
    (ok, error tag) and records what it needs. `warmup(client, j)` runs first, WARMUP times and
    unmeasured: it opens connections to both web workers and pays their first-request imports."""
    load, n = Load(), int(rate * seconds)
    async with _client(client_kind, port, token, concurrency, timeout) as client:
        if warmup is not None:
            await asyncio.gather(*[warmup(client, j) for j in range(WARMUP)], return_exceptions=True)
        gate = asyncio.Semaphore(concurrency)
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.2
        last_done = [t0]

        async def one(i: int, due: float) -> None:
            async with gate:
                try:
                    ok, tag = await request(client, i)
                except httpx.TimeoutException:
                    ok, tag = False, "timeout"
                except httpx.HTTPError as exc:
                    ok, tag = False, type(exc).__name__
            now = loop.time()
            load.latencies.append(now - due)
            last_done[0] = max(last_done[0], now)
            load.ok += ok
            if not ok:
                load.errors[tag] += 1

        tasks = []
        for i in range(n):
            due = t0 + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            load.max_send_lag = max(load.max_send_lag, loop.time() - due)
            tasks.append(asyncio.create_task(one(i, due)))
            load.sent += 1
        _done, pending = await asyncio.wait(tasks, timeout=2 * timeout + 5)
        for task in pending:  # only when requests queued behind the connection cap: stay bounded
            task.cancel()
            load.errors["gave up"] += 1
        load.window = last_done[0] - t0
    return load


# -- runs -----------------------------------------------------------------------------------------

@dataclass
class State:
    """What the clients were told, for the invariants (accumulated over the runs of one schema)."""

    triggers: dict[str, str] = field(default_factory=dict)  # idempotency key -> executionId
    trigger_failed: set[str] = field(default_factory=set)
    signals: list[tuple[str, str]] = field(default_factory=list)  # (waitEventId, eventKey)
    signal_failed: set[str] = field(default_factory=set)
    decisions: list[str] = field(default_factory=list)  # request ids decided with 200
    decision_failed: set[str] = field(default_factory=set)


@dataclass
class Row:
    scenario: str
    workers: int
    web_workers: int
    waiting: str
    rate: float
    load: Load
    backlog: float | None
    invariants: list[tuple[str, bool, str]]
    latency_target: bool = True

    @property
    def invariants_ok(self) -> bool:
        return all(ok for _, ok, _ in self.invariants)

    @property
    def held(self) -> bool:
        p99_ok = self.load.pct(0.99) <= P99_TARGET_MS or not self.latency_target
        return p99_ok and self.load.error_rate < ERROR_TARGET and self.invariants_ok


def _tag(response: httpx.Response) -> str:
    try:
        code = response.json().get("code")
    except ValueError:
        code = None
    return f"HTTP {response.status_code}" + (f" {code}" if code else "")


def _drain(url: str, since: float, limit: float) -> float | None:
    """Seconds from `since` until no step is pending or running and no execution is running."""
    from wayvo_app.store import db

    deadline = time.perf_counter() + limit
    with db.get_engine(url).connect() as conn:
        while True:
            busy = conn.execute(text(
                "SELECT (SELECT count(*) FROM execution_steps WHERE status IN ('pending', 'running'))"
                " + (SELECT count(*) FROM executions WHERE status = 'running')")).scalar()
            conn.rollback()
            if busy == 0:
                return time.perf_counter() - since
            if time.perf_counter() > deadline:
                return None
            time.sleep(0.1)


async def run_triggers(args, port: int, ids: Ids, state: State, prefix: str) -> Load:
    async def request(client: httpx.AsyncClient, i: int | str):
        key = f"{prefix}-{i}"
        state.trigger_failed.add(key)  # unacknowledged until answered (also if cancelled or timed out)
        r = await client.post(f"/api/workflow/{ids.noop}/execute", json={"input": {"i": i}},
                              headers={"Idempotency-Key": key})
        if r.status_code == 200:
            state.trigger_failed.discard(key)
            state.triggers[key] = r.json()["executionId"]
            return True, ""
        return False, _tag(r)

    async def warmup(client: httpx.AsyncClient, j: int) -> None:  # real triggers, in the invariants too
        await request(client, f"warm{j}")

    return await open_loop(port, ids.key, args.rate, args.seconds, args.concurrency, args.timeout, request, warmup,
                           args.client)


async def run_signals(args, port: int, ids: Ids, state: State, keys: list[str]) -> Load:
    async def request(client: httpx.AsyncClient, i: int):
        key = keys[i]
        state.signal_failed.add(key)
        r = await client.post("/api/workflow/events/signal",
                              json={"eventNamespace": "bench", "eventKey": key, "payload": {"i": i}})
        if r.status_code == 200 and r.json().get("workflowResumed"):
            state.signal_failed.discard(key)
            state.signals.append((r.json()["waitEventId"], key))
            return True, ""
        return False, _tag(r)

    async def warmup(client: httpx.AsyncClient, j: int) -> None:  # nobody waits for these: 404
        await client.post("/api/workflow/events/signal", json={"eventNamespace": "warmup", "eventKey": f"w-{j}"})

    return await open_loop(port, ids.key, args.signal_rate, args.seconds, args.concurrency, args.timeout, request,
                           warmup, args.client)


async def run_decisions(args, port: int, ids: Ids, state: State, request_ids: list[str]) -> Load:
    async def request(client: httpx.AsyncClient, i: int):
        rid = request_ids[i]
        state.decision_failed.add(rid)
        r = await client.post(f"/api/workflow/approvals/{rid}/decide", json={"decision": "approved"})
        if r.status_code == 200 and r.json().get("status") == "approved":
            state.decision_failed.discard(rid)
            state.decisions.append(rid)
            return True, ""
        return False, _tag(r)

    async def warmup(client: httpx.AsyncClient, j: int) -> None:  # reads only
        await client.get(f"/api/workflow/approvals/{request_ids[-1 - j % len(request_ids)]}")

    return await open_loop(port, ids.token, args.decision_rate, args.seconds, args.concurrency, args.timeout,
                           request, warmup, args.client)


# -- invariants -----------------------------------------------------------------------------------

def _few(items) -> str:
    items = list(items)
    return ", ".join(str(x) for x in items[:3]) + (f" (+{len(items) - 3})" if len(items) > 3 else "")


def check_invariants(url: str, ids: Ids, state: State) -> list[tuple[str, bool, str]]:
    from wayvo_app.store import db

    out = []
    with db.get_engine(url).connect() as conn:
        q = lambda sql, **kw: conn.execute(text(sql), kw).all()  # noqa: E731

        # 1. every accepted trigger has exactly one execution
        by_key: dict[str, list[str]] = {}
        for key, eid in q("SELECT idempotency_key, id FROM executions WHERE workflow_id = :w", w=ids.noop):
            by_key.setdefault(key, []).append(eid)
        missing = [k for k, eid in state.triggers.items() if by_key.get(k) != [eid]]
        doubled = [k for k, v in by_key.items() if len(v) > 1]
        stray = [k for k in by_key if k not in state.triggers and k not in state.trigger_failed]
        unacked = [k for k in by_key if k in state.trigger_failed]
        detail = f"{len(state.triggers)} accepted"
        if missing or doubled or stray:
            detail += f"; not exactly one execution: {_few(missing)}; doubled: {_few(doubled)}; " \
                      f"executions nobody asked for: {_few(stray)}"
        if unacked:
            detail += f"; {len(unacked)} executions for requests answered with an error"
        out.append(("1 accepted trigger -> exactly one execution", not (missing or doubled or stray), detail))

        # 2. every execution ends or legitimately waits
        statuses = dict(q("SELECT status, count(*) FROM executions GROUP BY status"))
        stuck = q("""
            SELECT e.id, e.status FROM executions e
            WHERE e.status NOT IN ('success', 'error', 'cancelled') AND NOT (e.status = 'paused' AND EXISTS (
                SELECT 1 FROM execution_steps s WHERE s.execution_id = e.id AND s.status = 'waiting' AND (
                    (s.wait_kind = 'event' AND EXISTS (SELECT 1 FROM wait_events w
                                                       WHERE w.step_id = s.id AND w.status = 'waiting'))
                    OR (s.wait_kind = 'approval' AND EXISTS (SELECT 1 FROM approval_requests a
                                                             WHERE a.step_id = s.id AND a.status = 'pending')))))""")
        detail = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
        if stuck:
            detail += f"; neither ended nor waiting: {_few(f'{i} ({s})' for i, s in stuck)}"
        errors = q("SELECT e.id, e.error FROM executions e WHERE e.status = 'error' LIMIT 3")
        if errors:
            detail += f"; failed executions, e.g. {errors[0][0]}: {errors[0][1]}"
        out.append(("2 every execution ends or legitimately waits", not stuck, detail))

        # 3. no (execution, node) with two successful attempts
        twice = q("SELECT execution_id, node_id, count(*) FROM execution_steps WHERE status = 'success' "
                  "GROUP BY execution_id, node_id HAVING count(*) > 1")
        out.append(("3 no node succeeded twice in one execution", not twice,
                    f"{len(twice)} doubled: {_few(f'{e}/{n} x{c}' for e, n, c in twice)}" if twice else "0 doubled"))

        # 4. every received wait event matches exactly one accepted signal
        received = dict(q("SELECT id, event_key FROM wait_events WHERE status = 'received'"))
        accepted = Counter(w for w, _ in state.signals)
        twice = [w for w, c in accepted.items() if c > 1]
        wrong_key = [w for w, k in state.signals if received.get(w) != k]
        orphan = [w for w, k in received.items() if w not in accepted and k not in state.signal_failed]
        unacked = [w for w, k in received.items() if w not in accepted and k in state.signal_failed]
        ok = not (twice or wrong_key or orphan)
        detail = f"{len(received)} received, {len(state.signals)} accepted signals"
        if not ok:
            detail += f"; accepted twice: {_few(twice)}; accepted but not received: {_few(wrong_key)}; " \
                      f"received without a signal: {_few(orphan)}"
        if unacked:
            detail += f"; {len(unacked)} received for signals answered with an error"
        out.append(("4 received wait <-> exactly one accepted signal", ok, detail))

        # 5. no step running past its lease
        late = q("SELECT id, lease_owner, lease_expires_at FROM execution_steps "
                 "WHERE status = 'running' AND lease_expires_at < now()")
        running = q("SELECT count(*) FROM execution_steps WHERE status = 'running'")[0][0]
        out.append(("5 no step running past its lease", not late,
                    f"{running} running, {len(late)} past lease" + (f": {_few(r[0] for r in late)}" if late else "")))

        # 6. every accepted decision settled its request once
        rows = {rid: (status, n) for rid, status, n in q(
            "SELECT a.id, a.status, (SELECT count(*) FROM approval_decisions d WHERE d.request_id = a.id) "
            "FROM approval_requests a WHERE a.status <> 'pending'")}
        accepted = Counter(state.decisions)
        bad = [r for r in accepted if accepted[r] > 1 or rows.get(r) != ("approved", 1)]
        orphan = [r for r in rows if r not in accepted and r not in state.decision_failed]
        out.append(("6 accepted decision -> request approved once", not (bad or orphan),
                    f"{len(state.decisions)} accepted, {len(rows)} decided"
                    + (f"; wrong: {_few(bad)}; decided without a request: {_few(orphan)}" if bad or orphan else "")))
    return out


# -- one configuration: a schema, the servers, the runs ------------------------------------------------

def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def run_config(args, engine_workers: int, logroot: Path) -> list[Row]:
    url, drop = _fresh_database("postgres", args.pg)
    logdir = logroot / f"workers{engine_workers}"
    logdir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    try:
        ids = _setup(url)
        state = State()
        n_signals = int(args.signal_rate * args.seconds)
        n_decisions = int(args.decision_rate * args.seconds)
        sizes = sorted(args.sizes)
        next_index, waiting = 0, []
        _progress(f"{engine_workers} engine worker(s): inserting {n_decisions} pending approvals and "
                  f"{sizes[0] + n_signals} waiting executions")
        request_ids = _bulk_approvals(url, ids, n_decisions)
        port = _port()
        _servers(url, port, engine_workers, args.web_workers, logdir)
        _wait_up(port)
        time.sleep(1.0)

        def finish(scenario: str, size: str, rate: float, load: Load, latency_target: bool = True) -> None:
            backlog = _drain(url, end, args.drain_timeout)
            rows.append(Row(scenario, engine_workers, args.web_workers, size, rate, load, backlog,
                            check_invariants(url, ids, state), latency_target))
            r = rows[-1]
            _progress(f"{scenario} x{engine_workers} ({size} waiting): p99 {load.pct(.99):.0f} ms, "
                      f"errors {load.error_rate:.2%}, invariants {'pass' if r.invariants_ok else 'FAIL'}")

        # (a) triggers
        _progress(f"triggers at {args.rate:g}/s for {args.seconds:g} s")
        load = asyncio.run(run_triggers(args, port, ids, state, f"load-{uuid.uuid4().hex[:6]}"))
        end = time.perf_counter()
        finish("triggers", "-", args.rate, load)

        # (b) signals against each size of waiting executions
        for size in sizes:
            have = len(waiting)
            add = size - have + n_signals
            if add > 0:
                if have:
                    _progress(f"inserting {add} more waiting executions")
                _bulk_waiting(url, ids.user_id, ids.wait, ids.wait_version, next_index, add)
                waiting += [f"k-{i}" for i in range(next_index, next_index + add)]
                next_index += add
            random.shuffle(waiting)
            keys, waiting = waiting[:n_signals], waiting[n_signals:]
            _progress(f"signals at {args.signal_rate:g}/s against {size} waiting")
            load = asyncio.run(run_signals(args, port, ids, state, keys))
            end = time.perf_counter()
            finish("signals", f"{size:,}", args.signal_rate, load)

        # (c) approval decisions
        _progress(f"decisions at {args.decision_rate:g}/s")
        load = asyncio.run(run_decisions(args, port, ids, state, request_ids))
        end = time.perf_counter()
        finish("decisions", "-", args.decision_rate, load, latency_target=False)
        return rows
    finally:
        _stop_all()
        from wayvo_app.store import db

        db.dispose_engines()
        drop()
        problems = _log_problems(logdir)
        if problems:
            _progress(f"server logs with errors ({logdir}): {problems}")


# -- output ---------------------------------------------------------------------------------------------

def print_tables(rows: list[Row], args) -> None:
    print(f"\nLoad test on PostgreSQL ({os.cpu_count()} cores), open loop, {args.seconds:g} s per run, "
          f"{args.web_workers} web workers, concurrency cap {args.concurrency}, {args.client} client\n")
    header = ("scenario", "engine workers", "waiting", "target/s", "sent", "ok/s", "p50 ms", "p95 ms", "p99 ms",
              "max ms", "errors", "backlog s", "invariants", "held")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for r in rows:
        load = r.load
        passed = sum(ok for _, ok, _ in r.invariants)
        print(" | ".join([
            r.scenario, str(r.workers), r.waiting, f"{r.rate:g}", str(load.sent),
            f"{load.ok / load.window:.0f}" if load.window else "-",
            f"{load.pct(.5):.1f}", f"{load.pct(.95):.1f}", f"{load.pct(.99):.1f}", f"{load.pct(1.0):.1f}",
            f"{load.error_rate:.2%}", f"{r.backlog:.2f}" if r.backlog is not None else "not drained",
            f"{passed}/{len(r.invariants)} pass", ("yes" if r.held else "no") + ("" if r.latency_target else "*")]))
    print(f"\nheld: p99 <= {P99_TARGET_MS:g} ms, errors < {ERROR_TARGET:.1%} and all invariants "
          "(* decisions: no latency target). Latency from each request's due time; backlog: end of load "
          "until every execution finished or waits.")
    for r in rows:
        extra = []
        if r.load.errors:
            extra.append("errors: " + ", ".join(f"{tag} x{n}" for tag, n in r.load.errors.most_common()))
        if r.load.max_send_lag > 0.05:
            extra.append(f"generator fell behind by up to {r.load.max_send_lag * 1000:.0f} ms")
        print(f"\n{r.scenario} x{r.workers} engine worker(s), {r.waiting} waiting"
              + (f" ({'; '.join(extra)})" if extra else ""))
        for name, ok, detail in r.invariants:
            print(f"  {'pass' if ok else 'FAIL'}  {name}: {detail}")


def main() -> None:
    from wayvo_app.engine.registry import set_registry_source
    from wayvo_app.plugins.client_plugins import node_registry

    set_registry_source(node_registry)  # this script is the composition root of its process
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("WAYVO_TEST_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--rate", type=float, default=100.0, help="triggers/s (and the default of the others)")
    parser.add_argument("--signal-rate", type=float, default=None, help="signals/s (default --rate)")
    parser.add_argument("--decision-rate", type=float, default=None, help="decisions/s (default --rate)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000], help="waiting executions")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="engine worker counts")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=256, help="open connections at most")
    parser.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    parser.add_argument("--client", choices=["lean", "httpx"], default="lean",
                        help="the generator's HTTP client (lean: benchmarks/lean_http.py, far less CPU)")
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="seconds to wait for the backlog")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1,000 waiting only, 5 s runs")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.seconds = [1000], min(args.seconds, 5.0)
    args.signal_rate = args.signal_rate or args.rate
    args.decision_rate = args.decision_rate or args.rate
    if not args.pg.startswith("postgresql"):
        parser.error("--pg must be a postgresql+psycopg:// URL")
    for value in (args.pg,):
        host = httpx.URL(value.replace("postgresql+psycopg", "http", 1)).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error("the load test is loopback-only: --pg must point at 127.0.0.1")

    def on_term(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    atexit.register(_stop_all)
    logroot = Path(tempfile.mkdtemp(prefix="wayvo-load-"))
    rows: list[Row] = []
    try:
        for workers in args.workers:
            rows += run_config(args, workers, logroot)
    except KeyboardInterrupt:
        _stop_all()
        print("\ninterrupted; every started process was stopped", file=sys.stderr)
        if rows:
            print_tables(rows, args)
        sys.exit(130)
    print_tables(rows, args)
    print(f"\nserver logs: {logroot}")
    sys.exit(0 if all(r.invariants_ok for r in rows) else 1)


if __name__ == "__main__":
    main()
