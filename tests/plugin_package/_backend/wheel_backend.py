"""A minimal PEP 517 backend for this test package: zips src/ into a pure-Python wheel with its
METADATA and RECORD, so `pip install` works offline (real packages use setuptools or hatchling)."""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _project() -> tuple[str, str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["name"], project["version"], project.get("dependencies", [])


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, dependencies = _project()
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    wheel_name = f"{dist}-{version}-py3-none-any.whl"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                *(f"Requires-Dist: {dep}" for dep in dependencies)]
    records = []
    with zipfile.ZipFile(Path(wheel_directory) / wheel_name, "w") as wheel:
        def add(arcname: str, data: bytes) -> None:
            wheel.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{arcname},sha256={digest},{len(data)}")

        for path in sorted((ROOT / "src").rglob("*.py")):
            add(path.relative_to(ROOT / "src").as_posix(), path.read_bytes())
        add(f"{info}/METADATA", ("\n".join(metadata) + "\n").encode())
        add(f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: wheel_backend\nRoot-Is-Purelib: true\n"
                             b"Tag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "\n".join([*records, f"{info}/RECORD,,"]) + "\n")
    return wheel_name
