"""`alembic upgrade head` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from wayvo_app.store import db
from wayvo_app.store.migrations import upgrade


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


def test_0002_backfills_the_audience_of_existing_requests(empty_db_url):
    from alembic import command
    from sqlalchemy import text

    from wayvo_app.store.migrations import alembic_config

    command.upgrade(alembic_config(empty_db_url), "0001")
    engine = db.get_engine(empty_db_url)
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, user_name, display_name, password_hash, roles, disabled, created_at) "
                          "VALUES ('u1', 'alice', 'Alice', 'x', '[]', false, :t)"), {"t": now})
        conn.execute(text("INSERT INTO workflows (id, owner_id, name, description, document, revision, trigger_type, "
                          "created_at, updated_at) VALUES ('w1', 'u1', 'W', '', '{}', 1, 'Manual', :t, :t)"), {"t": now})
        conn.execute(text("INSERT INTO workflow_versions (id, workflow_id, content_hash, document, created_at) "
                          "VALUES ('v1', 'w1', 'h', '{}', :t)"), {"t": now})
        conn.execute(text("INSERT INTO executions (id, workflow_id, version_id, user_id, status, trigger_type, "
                          "started_at, updated_at) VALUES ('e1', 'w1', 'v1', 'u1', 'paused', 'Manual', :t, :t)"),
                     {"t": now})
        conn.execute(text("INSERT INTO approval_requests (id, execution_id, step_id, node_id, workflow_id, title, "
                          "description, approval_type, approvers, approver_roles, eligible, required_approvals, "
                          "status, on_rejection, on_expiration, created_at, updated_at) VALUES ('r1', 'e1', 's1', "
                          "'a', 'w1', 'T', '', 'any', '[\"alice\"]', '[\"manager\"]', '[\"alice\", \"maria\"]', 1, "
                          "'pending', 'error', 'error', :t, :t)"), {"t": now})
    upgrade(empty_db_url)
    with engine.connect() as conn:
        rows = set(conn.execute(text("SELECT kind, name FROM approval_audience WHERE request_id = 'r1'")).all())
    assert rows == {("user", "alice"), ("role", "manager"), ("eligible", "alice"), ("eligible", "maria")}
