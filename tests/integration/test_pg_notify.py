"""On PostgreSQL, a separate worker process is woken by NOTIFY, long before its next poll."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import chain, create_workflow, make_user
from wayvo_app.services import executions as commands
from wayvo_app.store import db
from wayvo_app.store.models import Execution

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres_only
def test_notify_wakes_an_idle_worker_at_once(db_url):
    owner = make_user()
    doc = chain("Condition")
    doc["nodes"][1]["data"]["config"]["condition"] = "true"
    wf = create_workflow(owner, doc)
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), "WAYVO_EMBEDDED_WORKER": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "wayvo_app.cli", "worker", "--poll-interval", "30"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)  # started, listening, and past its first poll
        durations = []
        for _ in range(5):
            start = time.monotonic()
            execution_id = commands.trigger_workflow(workflow_id=wf, user_name="owner").execution_id
            while True:
                with db.read_session() as s:
                    if s.get(Execution, execution_id).status == "success":
                        break
                assert time.monotonic() - start < 10, "the worker was not woken by NOTIFY"
                time.sleep(0.005)
            durations.append(time.monotonic() - start)
        assert max(durations) < 5  # far below the 30 s poll interval
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
