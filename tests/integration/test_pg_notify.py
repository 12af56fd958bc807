"""On PostgreSQL, a separate worker process is woken by NOTIFY, long before its next poll."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from tests.helpers import chain, create_workflow, make_user
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.models import Execution, WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]


def _wait_for_heartbeat(limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with db.read_session() as s:
            if s.exec(select(WorkerHeartbeat)).first() is not None:
                return
        time.sleep(0.1)
    raise AssertionError("the worker never wrote its heartbeat")


@pytest.mark.postgres_only
def test_notify_wakes_an_idle_worker_at_once(db_url):
    owner = make_user()
    doc = chain("Condition")
    doc["nodes"][1]["data"]["config"]["condition"] = "true"
    wf = create_workflow(owner, doc)
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), "WAYVO_EMBEDDED_WORKER": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "600"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_heartbeat()  # started; its LISTEN task starts beside the heartbeat
        time.sleep(2)
        for _ in range(5):
            start = time.monotonic()
            execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id
            while True:
                with db.read_session() as s:
                    if s.get(Execution, execution_id).status == "success":
                        break
                # The next poll is 600 s away: finishing at all within 60 s means NOTIFY woke it.
                assert time.monotonic() - start < 60, "the worker was not woken by NOTIFY"
                time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
