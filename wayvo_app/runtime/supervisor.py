"""A small process supervisor for production mode on one machine (scripts/prod): starts the web and
engine processes, restarts one that dies with a growing delay, logs it, and stops everything only
on Ctrl-C or SIGTERM (each process gets SIGTERM and time to finish, then SIGKILL).

    python -m wayvo_app.runtime.supervisor --program engine-1="wayvo worker" --program web="reflex run ..."
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger("wayvo.supervisor")


@dataclass(frozen=True)
class Backoff:
    """Restart delays: `initial`, doubling up to `maximum` while a process keeps dying within
    `stable_after` seconds of its start; back to `initial` once it ran that long."""

    initial: float = 1.0
    maximum: float = 30.0
    stable_after: float = 60.0

    def next_delay(self, previous: float | None, ran_for: float) -> float:
        if previous is None or ran_for >= self.stable_after:
            return self.initial
        return min(previous * 2, self.maximum)


@dataclass
class Program:
    """One supervised process. `argv` runs in a session of its own, so a signal reaches the process
    and its children (Reflex's web workers) together, and only when the supervisor sends it."""

    name: str
    argv: Sequence[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float | None = None
    restarts: int = 0
    env: dict[str, str] = field(default_factory=dict)


class Supervisor:
    def __init__(self, programs: Sequence[Program], *, backoff: Backoff | None = None, stop_timeout: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, poll: float = 0.2):
        self.programs = list(programs)
        self.backoff = backoff or Backoff()
        self.stop_timeout, self.clock, self.poll = stop_timeout, clock, poll
        self.stopping = False

    def start(self, program: Program) -> None:
        program.process = subprocess.Popen(list(program.argv), env={**os.environ, **program.env},
                                           start_new_session=True)
        program.started_at, program.restart_at = self.clock(), None
        log.info("started %s (pid %s): %s", program.name, program.process.pid, shlex.join(program.argv))

    def check(self) -> None:
        """One pass: notice exits, schedule restarts with backoff, start the ones that are due."""
        now = self.clock()
        for program in self.programs:
            process = program.process
            if process is not None and process.poll() is not None and program.restart_at is None:
                ran_for = now - program.started_at
                program.delay = self.backoff.next_delay(program.delay, ran_for)
                program.restart_at = now + program.delay
                log.warning("%s (pid %s) exited with %s after %.1fs; restarting in %.1fs", program.name,
                            process.pid, _exit_text(process.returncode), ran_for, program.delay)
                _signal_group(process, signal.SIGKILL)  # its orphans would hold the port or the leases
            if program.restart_at is not None and now >= program.restart_at and not self.stopping:
                program.restarts += 1
                self.start(program)

    def request_stop(self, signum: int | None = None, _frame=None) -> None:
        if not self.stopping and signum is not None:
            log.info("received %s; stopping every process", signal.Signals(signum).name)
        self.stopping = True

    def stop_all(self) -> None:
        """SIGTERM to every running process group; SIGKILL to those still there after stop_timeout.
        Engine workers finish their steps (or release their leases) on SIGTERM."""
        running = [p for p in self.programs if p.process is not None and p.process.poll() is None]
        for program in running:
            _signal_group(program.process, signal.SIGTERM)
        deadline = self.clock() + self.stop_timeout
        for program in running:
            try:
                program.process.wait(timeout=max(deadline - self.clock(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %s) did not stop in %.0fs; killing it", program.name, program.process.pid,
                            self.stop_timeout)
                _signal_group(program.process, signal.SIGKILL)
                program.process.wait()
        for program in running:
            _signal_group(program.process, signal.SIGKILL)  # leftovers of the group, if any
        log.info("all processes stopped")

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        try:
            for program in self.programs:
                self.start(program)
            while not self.stopping:
                self.check()
                time.sleep(self.poll)
        finally:
            self.stopping = True
            self.stop_all()
        return 0


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"


def parse_programs(specs: Sequence[str]) -> list[Program]:
    programs = []
    for spec in specs:
        name, sep, command = spec.partition("=")
        if not sep or not name.strip() or not command.strip():
            raise SystemExit(f'--program needs NAME=COMMAND, found "{spec}"')
        programs.append(Program(name.strip(), shlex.split(command)))
    return programs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wayvo_app.runtime.supervisor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--program", action="append", default=[], metavar="NAME=COMMAND", required=True)
    parser.add_argument("--backoff", type=float, default=1.0, help="first restart delay, seconds")
    parser.add_argument("--backoff-max", type=float, default=30.0)
    parser.add_argument("--stable-after", type=float, default=60.0,
                        help="a process that ran this long restarts after the first delay again")
    parser.add_argument("--stop-timeout", type=float, default=30.0,
                        help="seconds each process gets to stop on Ctrl-C/SIGTERM before SIGKILL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    supervisor = Supervisor(parse_programs(args.program),
                            backoff=Backoff(args.backoff, args.backoff_max, args.stable_after),
                            stop_timeout=args.stop_timeout)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
