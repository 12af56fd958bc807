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


def _index_definitions(engine) -> dict[str, str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes "
                                     "WHERE tablename IN ('executions', 'execution_steps')")).all()
        else:
            rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                     "AND tbl_name IN ('executions', 'execution_steps')")).all()
    return {name: (sql or "") for name, sql in rows}


def test_0015_leaves_the_hot_tables_only_partial_or_needed_indexes(empty_db_url):
    """A status change rewrites a row's entry in every index it is in: the hot tables keep no
    redundant index, and the ones most rows need not be in are partial, on both databases; the
    downgrade puts the old ones back."""
    from alembic import command

    from wayvo_app.store.migrations import alembic_config

    upgrade(empty_db_url)
    engine = db.get_engine(empty_db_url)
    defs = _index_definitions(engine)
    for gone in ("ix_executions_workspace_id", "ix_executions_updated_at", "ix_executions_status",
                 "ix_execution_steps_execution_id"):
        assert gone not in defs
    partial = {"ix_executions_workspace_status": "status", "ix_executions_parent_execution_id": "IS NOT NULL",
               "ix_executions_parent_step_id": "IS NOT NULL", "ix_executions_completed_at": "IS NOT NULL",
               "ix_steps_due": "pending"}
    for name, predicate in partial.items():
        where = defs[name].upper().partition(" WHERE ")[2]
        assert predicate.upper() in where, (name, defs[name])
    command.downgrade(alembic_config(empty_db_url), "0014")
    defs = _index_definitions(engine)
    assert "ix_executions_status" in defs and "ix_execution_steps_execution_id" in defs
    assert " WHERE " not in defs["ix_steps_due"].upper()
    command.upgrade(alembic_config(empty_db_url), "head")
    assert " WHERE " in _index_definitions(engine)["ix_steps_due"].upper()
