"""Migration 0004 moves every existing row into its owner's personal workspace."""

from alembic import command
from sqlalchemy import text

from wayvo_app.store import db
from wayvo_app.store.migrations import alembic_config, upgrade

T = {"t": "2026-01-01 00:00:00"}


def _insert_rows_at_0003(conn) -> None:
    """Two users, each with a workflow, an execution, a step, a log, a key, an integration, an
    approval request (with decision and audience), a wait event and a buffered signal."""
    for n, name in ((1, "alice"), (2, "bob")):
        p = {**T, "u": f"u{n}", "w": f"w{n}", "v": f"v{n}", "e": f"e{n}", "name": name}
        conn.execute(text("INSERT INTO users (id, user_name, display_name, password_hash, roles, disabled, created_at) "
                          "VALUES (:u, :name, :name, 'x', '[]', false, :t)"), p)
        conn.execute(text("INSERT INTO workflows (id, owner_id, name, description, document, revision, trigger_type, "
                          "created_at, updated_at) VALUES (:w, :u, 'W', '', '{}', 1, 'Manual', :t, :t)"), p)
        conn.execute(text("INSERT INTO workflow_versions (id, workflow_id, content_hash, document, created_at) "
                          "VALUES (:v, :w, 'h', '{}', :t)"), p)
        conn.execute(text("INSERT INTO executions (id, workflow_id, version_id, user_id, status, trigger_type, "
                          "started_at, updated_at) VALUES (:e, :w, :v, :u, 'paused', 'Manual', :t, :t)"), p)
        conn.execute(text("INSERT INTO execution_steps (id, execution_id, node_id, attempt, status, wait_kind, "
                          "recoveries, queued_at) VALUES (:e || 's', :e, 'a', 1, 'waiting', 'event', 0, :t)"), p)
        conn.execute(text("INSERT INTO execution_logs (execution_id, level, message, created_at) "
                          "VALUES (:e, 'info', 'm', :t)"), p)
        conn.execute(text("INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, created_at) "
                          "VALUES (:u || 'k', :u, 'k', :u || 'hash', 'wk_', :t)"), p)
        conn.execute(text("INSERT INTO integrations (id, user_id, type, name, config_encrypted, created_at) "
                          "VALUES (:u || 'i', :u, 'smtp', 'i', 'x', :t)"), p)
        conn.execute(text("INSERT INTO approval_requests (id, execution_id, step_id, node_id, workflow_id, title, "
                          "description, approval_type, approvers, approver_roles, eligible, required_approvals, "
                          "status, on_rejection, on_expiration, created_at, updated_at) VALUES (:e || 'r', :e, "
                          "'s', 'a', :w, 'T', '', 'any', '[]', '[]', '[]', 1, 'pending', 'error', 'error', :t, :t)"),
                     p)
        conn.execute(text("INSERT INTO approval_decisions (id, request_id, user_name, decision, created_at) "
                          "VALUES (:e || 'd', :e || 'r', :name, 'approve', :t)"), p)
        conn.execute(text("INSERT INTO approval_audience (request_id, kind, name) VALUES (:e || 'r', 'user', :name)"),
                     p)
        # the same (namespace, key) waits for both users: allowed once the index is per workspace
        conn.execute(text("INSERT INTO wait_events (id, execution_id, step_id, node_id, namespace, event_key, "
                          "status, on_expiration, created_at) VALUES (:e || 'we', :e, :e || 's', 'a', 'orders', "
                          ":name, 'waiting', 'error', :t)"), p)
        conn.execute(text("INSERT INTO buffered_signals (id, namespace, event_key, user_id, created_at, expires_at) "
                          "VALUES (:u || 'b', 'orders', 'early', :u, :t, :t)"), p)


def test_0004_moves_every_row_into_its_owners_personal_workspace(empty_db_url):
    command.upgrade(alembic_config(empty_db_url), "0003")
    engine = db.get_engine(empty_db_url)
    with engine.begin() as conn:
        _insert_rows_at_0003(conn)
    upgrade(empty_db_url)
    with engine.connect() as conn:
        spaces = {u: (ws, name, personal, role) for u, ws, name, personal, role in conn.execute(text(
            "SELECT m.user_id, w.id, w.name, w.personal, m.role FROM workspaces w "
            "JOIN workspace_members m ON m.workspace_id = w.id")).all()}
        assert {u: (name, bool(p), role) for u, (_, name, p, role) in spaces.items()} == {
            "u1": ("alice", True, "admin"), "u2": ("bob", True, "admin")}
        assert conn.execute(text("SELECT count(*) FROM workspaces")).scalar() == 2
        for n in (1, 2):
            ws = spaces[f"u{n}"][0]
            rows = {
                "workflows": f"w{n}", "executions": f"e{n}", "api_keys": f"u{n}k", "integrations": f"u{n}i",
                "approval_requests": f"e{n}r", "wait_events": f"e{n}we", "buffered_signals": f"u{n}b"}
            for table, row_id in rows.items():
                found = conn.execute(text(f"SELECT workspace_id FROM {table} WHERE id = :id"), {"id": row_id}).scalar()
                assert found == ws, (table, row_id)
        # the rows hanging off the moved ones are all still there
        for table, count in (("execution_steps", 2), ("execution_logs", 2), ("approval_decisions", 2),
                             ("approval_audience", 2), ("workflow_versions", 2)):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == count, table
