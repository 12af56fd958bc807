"""The production supervisor: restart delays, restarting a process that dies (logged), and a stop
that sends SIGTERM first and SIGKILL only to a process that ignores it."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time

import pytest

from wayvo_app.runtime.supervisor import Backoff, Program, Supervisor, parse_programs

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
STUBBORN = [sys.executable, "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); "
            "time.sleep(60)"]


def test_backoff_doubles_while_a_process_keeps_dying_and_resets_once_it_ran_long_enough():
    backoff = Backoff(initial=1, maximum=8, stable_after=60)
    delays, delay = [], None
    for _ in range(5):
        delay = backoff.next_delay(delay, ran_for=2)
        delays.append(delay)
    assert delays == [1, 2, 4, 8, 8]
    assert backoff.next_delay(8, ran_for=61) == 1


def test_programs_are_parsed_from_name_equals_command():
    [engine, web] = parse_programs(["engine-1=wayvo worker --concurrency 4", "web=reflex run --env prod"])
    assert (engine.name, list(engine.argv)) == ("engine-1", ["wayvo", "worker", "--concurrency", "4"])
    assert web.name == "web"
    with pytest.raises(SystemExit, match="NAME=COMMAND"):
        parse_programs(["just a command"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_process_is_restarted_after_its_delay_and_logged(caplog):
    caplog.set_level(logging.INFO, logger="wayvo.supervisor")
    engine, web = Program("engine-1", SLEEPER), Program("web", SLEEPER)
    supervisor = Supervisor([engine, web], backoff=Backoff(initial=0.3, maximum=1, stable_after=60), stop_timeout=5)
    try:
        for program in supervisor.programs:
            supervisor.start(program)
        first, web_pid = engine.process.pid, web.process.pid
        os.kill(first, signal.SIGKILL)
        assert _wait(lambda: (supervisor.check(), engine.process.pid != first)[1])
        assert engine.restarts == 1 and _alive(engine.process.pid) and web.process.pid == web_pid
        assert f"engine-1 (pid {first}) exited with signal SIGKILL" in caplog.text
        assert "restarting in 0.3s" in caplog.text
        os.kill(engine.process.pid, signal.SIGKILL)  # dies again at once: the delay doubles
        second = engine.process.pid
        assert _wait(lambda: (supervisor.check(), engine.process.pid != second)[1])
        assert engine.delay == 0.6 and engine.restarts == 2
    finally:
        supervisor.stopping = True
        supervisor.stop_all()
    assert not _alive(engine.process.pid) and not _alive(web.process.pid)


def test_stop_sends_sigterm_and_kills_only_a_process_that_ignores_it(caplog):
    caplog.set_level(logging.INFO, logger="wayvo.supervisor")
    polite, stubborn = Program("engine-1", SLEEPER), Program("web", STUBBORN)
    supervisor = Supervisor([polite, stubborn], stop_timeout=1.0)
    for program in supervisor.programs:
        supervisor.start(program)
    time.sleep(0.5)  # the stubborn one installs its SIGTERM handler
    started = time.monotonic()
    supervisor.stopping = True
    supervisor.stop_all()
    assert polite.process.returncode == -signal.SIGTERM
    assert stubborn.process.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5
    assert f"web (pid {stubborn.process.pid}) did not stop in 1s; killing it" in caplog.text
    supervisor.check()  # stopping: nothing is restarted
    assert polite.restarts == 0 and stubborn.restarts == 0
