"""The shipped process definitions (deploy/: systemd units, Procfile) name commands that exist,
restart on a crash and stop with SIGTERM; the web tier runs with the embedded worker off."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from click.testing import CliRunner

from wayvo_app.cli import main

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep systemd's key case
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def _wayvo_command_exists(argv: list[str]) -> bool:
    result = CliRunner().invoke(main, [*argv, "--help"])
    return result.exit_code == 0


def test_systemd_units_run_real_commands_and_restart_on_a_crash():
    for name, command in [("wayvo-worker@.service", ["worker"]), ("wayvo-migrate.service", ["db", "upgrade"])]:
        argv = shlex.split(_unit(name)["Service"]["ExecStart"])
        assert argv[0].endswith("/wayvo") and argv[1:] == command and _wayvo_command_exists(command)
    for name in ("wayvo-worker@.service", "wayvo-web.service"):
        service = _unit(name)["Service"]
        assert service["Restart"] == "always" and service["KillSignal"] == "SIGTERM"
        assert int(service["TimeoutStopSec"]) > 10  # a worker may take 10 s to finish its steps
        assert "wayvo-migrate.service" in _unit(name)["Unit"]["After"]
    web = _unit("wayvo-web.service")["Service"]
    assert web["Environment"] == "WAYVO_EMBEDDED_WORKER=false"
    assert shlex.split(web["ExecStart"])[1:4] == ["run", "--env", "prod"]


def test_the_procfile_has_release_web_and_worker():
    kinds = dict(line.split(": ", 1) for line in (DEPLOY / "Procfile").read_text().splitlines()
                 if line and not line.startswith("#"))
    assert set(kinds) == {"release", "web", "worker"}
    assert shlex.split(kinds["release"]) == ["wayvo", "db", "upgrade"]
    assert "WAYVO_EMBEDDED_WORKER=false" in kinds["web"] and "reflex run --env prod" in kinds["web"]
    assert shlex.split(kinds["worker"])[-2:] == ["wayvo", "worker"] and _wayvo_command_exists(["worker"])


def test_scripts_prod_runs_the_supervisor_not_wait_n():
    script = (DEPLOY.parent / "scripts" / "prod").read_text()
    assert "python -m wayvo_app.runtime.supervisor" in script and "wait -n" not in script
