"""Database upkeep for the `wayvo` command, so the CLI needs nothing from the store."""

from __future__ import annotations


def upgrade_database() -> None:
    """`wayvo db upgrade`: applies the Alembic migrations to DATABASE_URL."""
    from wayvo_app.store.migrations import upgrade  # alembic loads only for this command

    upgrade()
