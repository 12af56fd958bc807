"""Crash recovery and exclusive claiming with real worker processes (`wayvo worker`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from tests.helpers import chain, create_workflow, document, drain, edge, make_user, node
from tests.support.actions import LOG_ENV
from tests.support.http_counter import CountingServer
from wayvo_app.engine.registry import set_registry
from wayvo_app.nodes import default_registry
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.models import Execution, utcnow

ROOT = Path(__file__).resolve().parents[2]


def _worker(env_extra: dict) -> subprocess.Popen:
    env = {**os.environ, **env_extra, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_during_http_step_is_recovered_with_the_same_idempotency_key(db_url):
    set_registry(default_registry())
    server = CountingServer(delay_first=5.0)
    try:
        owner = make_user()
        doc = chain("HTTP Request", name="Charge")
        doc["nodes"][1]["data"]["config"].update(httpMethod="POST", endpoint=server.url, httpBody='{"a": 1}')
        wf = create_workflow(owner, doc)
        result = commands.trigger_workflow(workflow_id=wf, user_name="owner")
        proc = _worker({"DATABASE_URL": db_url, "WAYVO_HTTP_ALLOW_PRIVATE": "true", "WAYVO_LEASE_SECONDS": "2",
                        "WAYVO_EMBEDDED_WORKER": "false"})
        try:
            assert server.first_seen.wait(30), proc.stderr.read1().decode() if proc.poll() is not None else ""
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        later = utcnow() + timedelta(seconds=5)
        drain(clock=lambda: later, settings=_allow_private())
        with db.read_session() as s:
            execution = s.get(Execution, result.execution_id)
            attempts = [(st.attempt, st.status) for st in commands.steps_of(s, result.execution_id)
                        if st.node_id == "n1"]
        assert execution.status == "success"
        assert attempts == [(1, "error"), (2, "success")]
        assert len(server.calls) == 2
        assert server.calls[0] == server.calls[1] == f"{result.execution_id}:n1"
    finally:
        server.close()
        set_registry(None)


def _allow_private():
    import dataclasses

    from wayvo_app.settings import get_settings

    return dataclasses.replace(get_settings(), http_allow_private=True)


def test_two_worker_processes_never_run_the_same_step(db_url, tmp_path):
    log = tmp_path / "side-effects.log"
    os.environ[LOG_ENV] = str(log)
    set_registry(default_registry())
    try:
        owner = make_user()
        nodes = [node("t", "Trigger")] + [node(f"s{i}", f"Step {i}", "Call Action", action="record")
                                          for i in range(1, 5)]
        edges = [edge("t", "s1"), edge("s1", "s2"), edge("s1", "s3"), edge("s2", "s4"), edge("s3", "s4")]
        wf = create_workflow(owner, document(nodes, edges))
        count = 500
        ids = [commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id for _ in range(count)]
        env = {"DATABASE_URL": db_url, "WAYVO_SERVER_ACTIONS": "tests.support.actions:ACTIONS",
               LOG_ENV: str(log), "WAYVO_EMBEDDED_WORKER": "false"}
        workers = [_worker(env), _worker(env)]
        try:
            def done() -> bool:
                with db.read_session() as s:
                    return s.query(Execution).filter(Execution.status == "success").count() == count
            _wait(done, 180, "all executions to finish")
        finally:
            for proc in workers:
                proc.send_signal(signal.SIGTERM)
            for proc in workers:
                proc.wait(20)
        lines = log.read_text().splitlines()
        assert len(lines) == count * 4
        assert len(set(lines)) == len(lines)  # no step ran twice
        assert {line.split(":")[0] for line in lines} == set(ids)
    finally:
        set_registry(None)
        os.environ.pop(LOG_ENV, None)
