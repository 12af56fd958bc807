"""Migration 0012 gives existing executions the origin their columns still tell, NULL otherwise."""

from alembic import command
from sqlalchemy import text

from tests.integration.test_migration_workspaces import _insert_rows_at_0003
from wayvo_app.store import db
from wayvo_app.store.migrations import alembic_config, upgrade


def test_0012_backfills_retry_parent_schedule_and_webhook_origins(empty_db_url):
    command.upgrade(alembic_config(empty_db_url), "0003")
    engine = db.get_engine(empty_db_url)
    with engine.begin() as conn:
        _insert_rows_at_0003(conn)
    command.upgrade(alembic_config(empty_db_url), "0006")
    copy = ("INSERT INTO executions (id, workflow_id, workspace_id, version_id, user_id, status, trigger_type, "
            "started_at, updated_at, retry_of_id, parent_execution_id) SELECT :new, workflow_id, workspace_id, "
            "version_id, user_id, status, :trigger, started_at, updated_at, :retry, :parent FROM executions WHERE id = 'e1'")
    with engine.begin() as conn:
        conn.execute(text("UPDATE executions SET trigger_type = 'Schedule' WHERE id = 'e1'"))
        for new, trigger, retry, parent in (("e3", "Schedule", "e1", None), ("e4", "Manual", None, "e1"),
                                            ("e5", "Webhook", None, None)):
            conn.execute(text(copy), {"new": new, "trigger": trigger, "retry": retry, "parent": parent})
    upgrade(empty_db_url)
    with engine.connect() as conn:
        origins = dict(conn.execute(text("SELECT id, origin FROM executions")).all())
    assert origins == {"e1": "schedule", "e2": None, "e3": "retry", "e4": "parent", "e5": "webhook"}
