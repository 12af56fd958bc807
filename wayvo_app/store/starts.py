"""The statements of starting an execution, each built once with a fixed shape (SQLAlchemy compiles
it once, PostgreSQL prepares it once): what a start needs, read in one query (the user, the
workflow, the user's role there, the pinned version, whether the workspace's running quota is
full, the execution an Idempotency-Key already started), and the insert of a new execution with
its first steps (on PostgreSQL one statement: data-modifying CTEs expanding two JSON parameters,
and pg_notify)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
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
_CONTEXT_SQL = """
SELECT u.id AS user_id, u.disabled, w.id AS workflow_id, w.workspace_id, w.name, w.active, w.published_version,
       w.trigger_type, m.role, v.id AS version_id,
       EXISTS (SELECT 1 FROM executions e WHERE e.workspace_id = w.workspace_id AND e.status = 'running'
               LIMIT 1 OFFSET :cap_offset) AS quota_full,
       (SELECT e.id FROM executions e WHERE e.workflow_id = w.id AND e.idempotency_key = :key) AS first_id
FROM users u
LEFT OUTER JOIN workflows w ON w.id = :workflow_id
LEFT OUTER JOIN workspace_members m ON m.workspace_id = w.workspace_id AND m.user_id = u.id
LEFT OUTER JOIN workflow_versions v ON v.workflow_id = w.id
     AND v.version = COALESCE(CAST(:version AS INTEGER), w.published_version)
WHERE u.user_name = :user_name
"""
_CONTEXT = dialect.fixed(_CONTEXT_SQL)


def _context_params(user_name: str | None, workflow_id: str | None, version: int | None,
                    idempotency_key: str | None, cap: int) -> dict[str, Any]:
    return {"user_name": normalize_user_name(user_name), "workflow_id": workflow_id or "", "version": version,
            "key": idempotency_key, "cap_offset": cap - 1}


def _context(row: tuple) -> StartContext:
    (user_id, disabled, wf_id, workspace_id, name, active, published, trigger_type, role, version_id,
     full, first) = row[:12]
    return StartContext(user_id, bool(disabled), wf_id, workspace_id, name,
                        None if active is None else bool(active), published, trigger_type, role, version_id,
                        bool(full), first)


def start_context(conn: Connection, user_name: str | None, workflow_id: str | None, version: int | None,
                  idempotency_key: str | None, cap: int) -> StartContext | None:
    """None when no user has this name."""
    row = dialect.first_row(conn, _CONTEXT, _context_params(user_name, workflow_id, version, idempotency_key, cap))
    return _context(row) if row is not None else None


_VERSION_DOCUMENT = dialect.fixed("SELECT document FROM workflow_versions WHERE id = :id")


def version_document(conn: Connection, version_id: str) -> Any:
    """A version's document (versions are immutable: callers cache what they derive from it)."""
    document = dialect.first_row(conn, _VERSION_DOCUMENT, {"id": version_id})[0]
    return json.loads(document) if isinstance(document, str) else document


STEP_KEYS = ("id", "execution_id", "node_id", "attempt", "status", "handles", "input", "output", "error",
             "wait_kind", "recoveries", "queued_at", "run_at", "started_at", "finished_at", "lease_owner",
             "lease_expires_at")
_JSON_KEYS = frozenset({"handles", "input", "output"})
STEP_TIMES = ("queued_at", "run_at", "started_at", "finished_at", "lease_expires_at")
EXECUTION_TIMES = ("started_at", "completed_at", "updated_at")

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


def execution_document(values: dict[str, Any]) -> dict[str, Any]:
    """A new execution's row as its JSON parameter carries it (None columns left out, times ISO)."""
    return _iso({key: value for key, value in values.items() if value is not None}, EXECUTION_TIMES)


def step_documents(rows: list[dict]) -> list[dict]:
    """New step rows as their JSON parameter carries them (every key, times ISO)."""
    return [_iso({key: row.get(key) for key in STEP_KEYS}, STEP_TIMES) for row in rows]


def _insert_params(values: dict[str, Any], rows: list[dict], notify: bool) -> dict[str, Any]:
    return {"execution": json.dumps(execution_document(values)), "steps": json.dumps(step_documents(rows)),
            "notify": notify}


def insert_execution(conn: Connection, values: dict[str, Any], rows: list[dict], *, notify: bool) -> None:
    """A new execution (`values`: its columns; None ones are left NULL), its first steps and (with
    `notify`) the wake-up of listening workers. On PostgreSQL one statement of a fixed shape (the
    execution and the steps are two JSON parameters expanded by json_populate_record(set)), so it
    is one transaction even on an autocommit connection; on SQLite one INSERT each."""
    if dialect.is_postgres_connection(conn):
        dialect.first_row(conn, _INSERT_PG, _insert_params(values, rows, notify))
        return
    values = {key: value for key, value in values.items() if value is not None}
    conn.execute(_INSERT_EXECUTION, values)
    if rows:
        conn.execute(_INSERT_STEPS, [{key: row.get(key) for key in STEP_KEYS} for row in rows])


class Expected(NamedTuple):
    """What an earlier start of the same workflow by the same user found, assumed unchanged."""

    user_id: str
    workspace_id: str
    version_id: str
    trigger_type: str
    roles: tuple[str, ...]  # the roles that may start it


# The context read and the insert in one statement: the insert happens only if the context is
# still what the caller expects and every check passes (the ok CTE, materialized once); the
# context row comes back either way, so the caller can refuse, answer an earlier start, or go on
# with the two statements when something changed (a new version, a new role...).
_GUARDED_PG = dialect.fixed(f"""
WITH ctx AS ({_CONTEXT_SQL}), ok AS (
    SELECT 1 FROM ctx WHERE user_id = :expect_user AND NOT disabled AND workspace_id = :expect_workspace
        AND role = ANY(CAST(:expect_roles AS text[])) AND active AND published_version IS NOT NULL
        AND version_id = :expect_version AND trigger_type = :expect_trigger_type AND NOT quota_full
        AND first_id IS NULL
), new_execution AS (
    INSERT INTO executions SELECT * FROM json_populate_record(NULL::executions, CAST(:execution AS json))
    WHERE EXISTS (SELECT 1 FROM ok) RETURNING 1
), new_steps AS (
    INSERT INTO execution_steps ({_STEP_COLUMNS})
    SELECT {_STEP_VALUES} FROM json_populate_recordset(NULL::execution_steps, CAST(:steps AS json))
    WHERE EXISTS (SELECT 1 FROM ok)
)
SELECT ctx.*, EXISTS (SELECT 1 FROM new_execution),
       CASE WHEN CAST(:notify AS boolean) AND EXISTS (SELECT 1 FROM new_execution)
            THEN pg_notify('{dialect.WORK_CHANNEL}', '') END
FROM ctx
""")


@lru_cache(maxsize=16)
def _text_array(items: tuple[str, ...]) -> str:
    """A PostgreSQL text[] literal, sent as one string (psycopg adapts a list element by element)."""
    return "{" + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "}"


def start_if_unchanged(conn: Connection, user_name: str | None, workflow_id: str, version: int | None,
                       idempotency_key: str | None, cap: int, expected: Expected, execution_json: str,
                       steps_json: str, *, notify: bool) -> tuple[StartContext | None, bool]:
    """PostgreSQL only: `start_context` and, if the context is `expected` and allows the start,
    `insert_execution` (its row and first steps given as JSON, as store/row_templates fills
    them), in one statement. (the context, whether the execution was inserted)."""
    params = _context_params(user_name, workflow_id, version, idempotency_key, cap)
    params.update(execution=execution_json, steps=steps_json, notify=notify, expect_user=expected.user_id,
                  expect_workspace=expected.workspace_id, expect_roles=_text_array(expected.roles),
                  expect_version=expected.version_id, expect_trigger_type=expected.trigger_type)
    row = dialect.first_row(conn, _GUARDED_PG, params)
    if row is None:
        return None, False
    return _context(row), bool(row[12])
