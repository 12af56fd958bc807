"""`alembic upgrade head` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from wayvo_app.engine import db
from wayvo_app.engine.migrations import upgrade


def test_upgrade_head_matches_models(empty_db_url):
    upgrade(empty_db_url)
    engine = db.get_engine(empty_db_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []
    tables = set(inspect(engine).get_table_names())
    assert {"users", "workflows", "executions", "execution_steps", "wait_events", "api_keys"} <= tables


def test_upgrade_is_idempotent(empty_db_url):
    upgrade(empty_db_url)
    upgrade(empty_db_url)
    assert "alembic_version" in inspect(db.get_engine(empty_db_url)).get_table_names()
