"""Alembic environment: the models' metadata and the URL from the product's settings."""

from alembic import context
from sqlmodel import SQLModel

import wayvo_app.store.models  # noqa: F401  (registers every table)
from wayvo_app.store.db import get_engine, is_sqlite

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    from wayvo_app.settings import get_settings

    return config.attributes.get("url") or get_settings().database_url


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=is_sqlite(url),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _url()
    with get_engine(url).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite(url),
            compare_type=True,
        )
        # SQLite batch mode rebuilds a table (copy, drop, rename); with foreign keys on, dropping a
        # table that other rows reference fails. The pragma only works outside a transaction, so
        # it is set on the raw connection here and restored before the connection goes back to the pool.
        _sqlite_foreign_keys(connection, url, on=False)
        try:
            with context.begin_transaction():
                context.run_migrations()
        finally:
            _sqlite_foreign_keys(connection, url, on=True)


def _sqlite_foreign_keys(connection, url: str, *, on: bool) -> None:
    if is_sqlite(url):
        connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
