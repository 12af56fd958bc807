"""Production mode survives a crash: the supervisor of scripts/prod runs two engine workers and
the API; one worker is killed with SIGKILL while steps are in flight. The API keeps answering
(health stays 200), the supervisor restarts the worker and logs it, and every execution finishes.
SIGTERM then stops everything. (The web tier here is the API under uvicorn; scripts/prod runs the
same API inside `reflex run`, which the browser tests start.)"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.helpers import create_workflow, document, edge, node
from wayvo_app.services import accounts
from wayvo_app.store import db

ROOT = Path(__file__).resolve().parents[2]
EXECUTIONS = 12


class SlowService(BaseHTTPRequestHandler):
    """A remote API that takes a second per call, so steps are in flight when a worker dies."""

    calls = 0

    def do_GET(self):  # noqa: N802 - http.server's naming
        SlowService.calls += 1
        time.sleep(1.0)
        payload = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_service():
    SlowService.calls = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow"
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def supervised(db_url, tmp_path, monkeypatch):
    """The supervisor with two engine workers and the API, as scripts/prod starts them."""
    port = _free_port()
    worker = f"{sys.executable} -m wayvo_app.cli worker --poll-interval 0.2"
    web = (f"{sys.executable} -m uvicorn --factory tests.prod_api:make_api --host 127.0.0.1 "
           f"--port {port} --log-level warning")
    log_path = tmp_path / "supervisor.log"
    env = {"DATABASE_URL": db_url, "WAYVO_LEASE_SECONDS": "2", "WAYVO_HTTP_ALLOW_PRIVATE": "true",
           "WAYVO_EMBEDDED_WORKER": "false", "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wayvo_app.runtime.supervisor", "--program", f"engine-1={worker}",
             "--program", f"engine-2={worker}", "--program", f"web={web}", "--backoff", "0.5",
             "--stop-timeout", "20"], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    yield proc, f"http://127.0.0.1:{port}", log_path
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _wait_for(predicate, timeout: float, what: str, log_path: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; supervisor log:\n{log_path.read_text()[-4000:]}")


def _health(client: httpx.Client) -> dict | None:
    try:
        r = client.get("/api/health")
    except httpx.TransportError:
        return None
    return r.json() if r.status_code == 200 else None


def _pid_of(log_path: Path, name: str) -> int:
    return int(re.findall(rf"started {name} \(pid (\d+)\)", log_path.read_text())[-1])


def _alive(pid: int) -> bool:
    try:
        return subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip() \
            not in ("", "Z", "Z+")
    except OSError:
        return False


def test_killing_an_engine_worker_keeps_the_service_up_and_every_execution_finishes(supervised, slow_service):
    proc, base, log_path = supervised
    with db.session() as s:
        owner = accounts.create_user(s, "alice", "password1").id
    doc = document([node("t", "Trigger"), node("call", "Call", "HTTP Request", endpoint=slow_service)],
                   [edge("t", "call")])
    workflow_id = create_workflow(owner, doc, publish=True)
    with httpx.Client(base_url=base, timeout=10) as client:
        _wait_for(lambda: (_health(client) or {}).get("workers", {}).get("alive") == 2, 90,
                  "the API and two heartbeating workers", log_path)
        token = client.post("/api/auth/login", json={"userName": "alice", "password": "password1"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        ids = [client.post(f"/api/workflow/{workflow_id}/execute", headers=auth, json={"input": {"n": i}})
               .json()["executionId"] for i in range(EXECUTIONS)]
        _wait_for(lambda: SlowService.calls >= 2, 30, "steps in flight", log_path)
        victim = _pid_of(log_path, "engine-1")
        subprocess.run(["kill", "-KILL", str(victim)], check=True)

        def finished():
            assert client.get("/api/health").status_code == 200  # the service keeps answering
            statuses = [client.get(f"/api/workflows/executions/{i}/status", headers=auth).json()["status"]
                        for i in ids]
            assert "error" not in statuses, statuses
            return all(status == "success" for status in statuses)

        _wait_for(finished, 120, "every execution to finish", log_path)
        text = log_path.read_text()
        assert f"engine-1 (pid {victim}) exited with signal SIGKILL" in text
        replacement = _wait_for(lambda: _pid_of(log_path, "engine-1") != victim and _pid_of(log_path, "engine-1"),
                                30, "engine-1 to be restarted", log_path)
        assert _alive(replacement)
        web_pid, other = _pid_of(log_path, "web"), _pid_of(log_path, "engine-2")
        assert text.count("started web (pid") == 1 and text.count("started engine-2 (pid") == 1

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    text = log_path.read_text()
    assert "received SIGTERM; stopping every process" in text and "all processes stopped" in text
    assert not any(_alive(pid) for pid in (replacement, web_pid, other))
