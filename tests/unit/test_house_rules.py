"""House rules a test can check: the engine imports no web framework or scheduler."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "wayvo_app"
FORBIDDEN = {"reflex", "fastapi", "starlette", "apscheduler"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_and_nodes_import_no_web_framework():
    offenders = []
    for package in ("engine", "nodes"):
        for path in (ROOT / package).rglob("*.py"):
            bad = _imported_roots(path) & FORBIDDEN
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_rule_detects_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import reflex as rx\nfrom fastapi import FastAPI\n")
    assert _imported_roots(sample) & FORBIDDEN == {"reflex", "fastapi"}
