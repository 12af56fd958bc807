"""Applies the Alembic migration chain (repository root) to a database URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from wayvo_app.settings import PROJECT_DIR


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(Path(PROJECT_DIR) / "alembic.ini"))
    cfg.set_main_option("script_location", str(Path(PROJECT_DIR) / "alembic"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")
