"""The statements of starting an execution, each built once with a fixed shape (SQLAlchemy compiles
it once, PostgreSQL prepares it once): what a start needs, read in one query (the user, the
workflow, the user's role there, the pinned version, whether the workspace's running quota is
full, the execution an Idempotency-Key already started), and the insert of a new execution with
its first steps (on PostgreSQL one statement: data-modifying CTEs expanding two JSON parameters,
and pg_notify)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection

from wayvo_app.store import dialect
from wayvo_app.store.models import Execution, ExecutionStep
from wayvo_app.store.users import normalize_user_name

_E = Execution.__table__
_S = ExecutionStep.__table__


class StartContext(NamedTuple):
    user_id: str
    disabled: bool
    workflow_id: str | None  # None: no such workflow
    workspace_id: str | None
    name: str | None
    active: bool | None
    published_version: int | None
    trigger_type: str | None
    role: str | None  # None: the user is not a member of the workflow's workspace
    version_id: str | None  # the asked version, else the published one; None if none
    quota_full: bool  # the workspace runs `cap` executions already
    first_id: str | None  # the execution the Idempotency-Key started already


# The running quota: "at least `cap` running" is whether a cap-th row exists (OFFSET cap - 1),
# which reads at most `cap` index entries of ix_executions_workspace_status, like a capped count.
_CONTEXT = dialect.fixed("""
SELECT u.id, u.disabled, w.id, w.workspace_id, w.name, w.active, w.published_version, w.trigger_type,
       m.role, v.id,
       EXISTS (SELECT 1 FROM executions e WHERE e.workspace_id = w.workspace_id AND e.status = 'running'
               LIMIT 1 OFFSET :cap_offset),
       (SELECT e.id FROM executions e WHERE e.workflow_id = w.id AND e.idempotency_key = :key)
FROM users u
LEFT OUTER JOIN workflows w ON w.id = :workflow_id
LEFT OUTER JOIN workspace_members m ON m.workspace_id = w.workspace_id AND m.user_id = u.id
LEFT OUTER JOIN workflow_versions v ON v.workflow_id = w.id
     AND v.version = COALESCE(CAST(:version AS INTEGER), w.published_version)
WHERE u.user_name = :user_name
""")


def start_context(conn: Connection, user_name: str | None, workflow_id: str | None, version: int | None,
                  idempotency_key: str | None, cap: int) -> StartContext | None:
    """None when no user has this name."""
    row = dialect.first_row(conn, _CONTEXT, {"user_name": normalize_user_name(user_name),
                                             "workflow_id": workflow_id or "", "version": version,
                                             "key": idempotency_key, "cap_offset": cap - 1})
    if row is None:
        return None
    (user_id, disabled, wf_id, workspace_id, name, active, published, trigger_type, role, version_id,
     full, first) = row
    return StartContext(user_id, bool(disabled), wf_id, workspace_id, name,
                        None if active is None else bool(active), published, trigger_type, role, version_id,
                        bool(full), first)


_VERSION_DOCUMENT = dialect.fixed("SELECT document FROM workflow_versions WHERE id = :id")


def version_document(conn: Connection, version_id: str) -> Any:
    """A version's document (versions are immutable: callers cache what they derive from it)."""
    document = dialect.first_row(conn, _VERSION_DOCUMENT, {"id": version_id})[0]
    return json.loads(document) if isinstance(document, str) else document


STEP_KEYS = ("id", "execution_id", "node_id", "attempt", "status", "handles", "input", "output", "error",
             "wait_kind", "recoveries", "queued_at", "run_at", "started_at", "finished_at", "lease_owner",
             "lease_expires_at")
_JSON_KEYS = frozenset({"handles", "input", "output"})
_STEP_TIMES = ("queued_at", "run_at", "started_at", "finished_at", "lease_expires_at")
_EXECUTION_TIMES = ("started_at", "completed_at", "updated_at")

# A step's JSON column given None holds JSON null, as SQLAlchemy's JSON type writes it.
_STEP_COLUMNS = ", ".join(STEP_KEYS)
_STEP_VALUES = ", ".join(f"COALESCE({k}, 'null')" if k in _JSON_KEYS else k for k in STEP_KEYS)
_INSERT_PG = dialect.fixed(f"""
WITH new_execution AS (
    INSERT INTO executions SELECT * FROM json_populate_record(NULL::executions, CAST(:execution AS json))
), new_steps AS (
    INSERT INTO execution_steps ({_STEP_COLUMNS})
    SELECT {_STEP_VALUES} FROM json_populate_recordset(NULL::execution_steps, CAST(:steps AS json))
)
SELECT pg_notify('{dialect.WORK_CHANNEL}', '') WHERE CAST(:notify AS boolean)
""")
_INSERT_EXECUTION = _E.insert()
_INSERT_STEPS = _S.insert()


def _iso(row: dict, keys: tuple[str, ...]) -> dict:
    out = dict(row)
    for key in keys:
        value = out.get(key)
        if isinstance(value, datetime):
            out[key] = value.isoformat()
    return out


def insert_execution(conn: Connection, values: dict[str, Any], rows: list[dict], *, notify: bool) -> None:
    """A new execution (`values`: its columns; None ones are left NULL), its first steps and (with
    `notify`) the wake-up of listening workers. On PostgreSQL one statement of a fixed shape (the
    execution and the steps are two JSON parameters expanded by json_populate_record(set)), so it
    is one transaction even on an autocommit connection; on SQLite one INSERT each."""
    values = {key: value for key, value in values.items() if value is not None}
    steps = [{key: row.get(key) for key in STEP_KEYS} for row in rows]
    if not dialect.is_postgres_connection(conn):
        conn.execute(_INSERT_EXECUTION, values)
        if steps:
            conn.execute(_INSERT_STEPS, steps)
        return
    dialect.first_row(conn, _INSERT_PG, {"execution": json.dumps(_iso(values, _EXECUTION_TIMES)),
                              "steps": json.dumps([_iso(step, _STEP_TIMES) for step in steps]),
                              "notify": notify})
