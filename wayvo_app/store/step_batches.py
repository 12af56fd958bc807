"""Set-based statements of the group commit (PostgreSQL only): several finished steps of one
worker, of many executions, recorded in ONE transaction of two round trips (psycopg's pipeline
mode: the lock, the fenced record and the snapshot; then the successors, the executions and the
COMMIT). Each statement has a fixed shape with array/JSON parameters and is prepared once per
connection. Also the batch reads of a claim (snapshots, executions with their users)."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlmodel import Session

from wayvo_app.store import dialect
from wayvo_app.store.executions import Claimed, Snapshot
from wayvo_app.store.models import Execution, User

_E = Execution.__table__
_U = User.__table__

# A batch in two round trips (psycopg pipeline mode). The executions are locked in id order (ORDER
# BY under FOR UPDATE: rows are locked as sorted), so two workers' batches, each locking several
# executions, cannot deadlock on them. A lock, not an UPDATE: the batch writes each execution
# once, at its end (`_SETTLE`); a second version of a row written in the same transaction would
# re-run its foreign-key checks.
_LOCK_PG = dialect.fixed("SELECT * FROM executions WHERE id = ANY(CAST(:ids AS text[])) ORDER BY id FOR UPDATE")
# One fenced UPDATE for all the batch's successes: a step whose lease moved (or that is no longer
# running, or whose execution is no longer running or paused: locked by the statement before, so
# its status holds) matches no row and drops out of RETURNING; the log lines of those recorded.
_FENCE_LOGGED = dialect.fixed("""
WITH fenced AS (
    UPDATE execution_steps AS s
    SET status = 'success', input = COALESCE(v.input, 'null'), output = COALESCE(v.output, 'null'),
        handles = COALESCE(v.handles, 'null'), finished_at = v.finished_at, lease_expires_at = NULL
    FROM json_to_recordset(CAST(:rows AS json))
         AS v(id text, input json, output json, handles json, finished_at timestamptz)
    WHERE s.id = v.id AND s.status = 'running' AND s.lease_owner = :owner
      AND EXISTS (SELECT 1 FROM executions e WHERE e.id = s.execution_id AND e.status IN ('running', 'paused'))
    RETURNING s.id
), logged AS (
    INSERT INTO execution_logs (execution_id, step_id, node_id, level, message, created_at)
    SELECT l.execution_id, l.step_id, l.node_id, l.level, l.message, l.created_at
    FROM json_to_recordset(CAST(:logs AS json))
         AS l(execution_id text, step_id text, node_id text, level text, message text, created_at timestamptz)
    WHERE l.step_id IN (SELECT id FROM fenced)
)
SELECT id FROM fenced""")


def fence_successes(owner: str, rows: list[dict], logs: list[dict]) -> tuple[dialect.Fixed, dict[str, Any]]:
    """The fenced record of successes (and their log lines) as a statement for `pipelined`."""
    return _FENCE_LOGGED, {"owner": owner, "rows": json.dumps([
        {"id": r["id"], "input": r["input"], "output": r["output"], "handles": r["handles"],
         "finished_at": r["finished_at"].isoformat()} for r in rows]),
        "logs": json.dumps([{**entry, "created_at": entry["created_at"].isoformat()} for entry in logs])}


class Fenced(NamedTuple):
    executions: dict[str, SimpleNamespace]  # the batch's executions still running or paused, locked
    recorded: set[str]  # the steps recorded (their lease held, their execution live)
    snapshot_rows: list[tuple]  # `_SNAPSHOT_SQL`'s rows of those executions, after the record


def lock_and_fence(s: Session, owner: str, execution_ids: list[str], rows: list[dict],
                   logs: list[dict]) -> Fenced:
    """`lock_running_executions`, `fence_successes`, `add_log_rows` (of the recorded steps) and
    the snapshot rows, in ONE round trip: four statements pipelined in this transaction."""
    ids = sorted(set(execution_ids))
    (names, locked), (_, fenced), (_, snapshot_rows) = dialect.pipelined(
        s.connection(), [(_LOCK_PG, {"ids": ids}), fence_successes(owner, rows, logs), (_SNAPSHOT_PG, {"ids": ids})])
    records = (SimpleNamespace(**dict(zip(names, row, strict=True))) for row in locked)
    return Fenced({r.id: r for r in records if r.status in ("running", "paused")}, {row[0] for row in fenced},
                  snapshot_rows)


_NOTIFY = dialect.fixed(f"SELECT pg_notify('{dialect.WORK_CHANNEL}', '')")


def insert_settle_commit(s: Session, new_rows: list[dict], settled: list[tuple[str, str | None, Any, datetime]],
                         *, before: list[tuple[dialect.Fixed, dict[str, Any]]] = (), notify: bool = False) -> None:
    """`insert_steps`, `settle_executions` and the COMMIT of the transaction in ONE round trip,
    after the statements `before` (a fence) and with `notify`, the NOTIFY that wakes listening
    workers at the COMMIT (steps made due for any worker)."""
    statements = list(before)
    if notify:
        statements.append((_NOTIFY, {}))
    if new_rows:
        statements.append((_INSERT, _insert_params(new_rows)))
    if settled:
        statements.append((_SETTLE, _settle_params(settled)))
    if statements:
        dialect.pipelined(s.connection(), statements, commit=True)


# Outputs come back as text, parsed here only when needed; no result typing (a textual
# statement matched to typed columns rebuilds its column map at every execution).
_SNAPSHOT_SQL = """
SELECT execution_id, node_id, status, CAST(handles AS text), CAST(output AS text), finished_at
FROM execution_steps WHERE execution_id = ANY(CAST(:ids AS text[])) ORDER BY attempt"""
_SNAPSHOT_PG = dialect.fixed(_SNAPSHOT_SQL)


def snapshots_of(rows, execution_ids: list[str], known: dict[str, dict[str, Any]] | None = None) -> dict[str, Snapshot]:
    """Snapshots from the rows of `_SNAPSHOT_SQL`. A success's output never changes, so the
    outputs in `known` (per execution: node id -> output, already parsed) are taken as they are
    and only the others are parsed (most of a snapshot's cost was parsing every output)."""
    snaps = {execution_id: Snapshot({}, {}, {}) for execution_id in execution_ids}
    known = known or {}
    for execution_id, node_id, status, handles, output, finished_at in rows:
        if execution_id not in snaps:
            continue
        if status == "success":
            seen = known.get(execution_id)
            value = seen[node_id] if seen is not None and node_id in seen else _load(output)
        else:
            value = None
        snaps[execution_id].record(node_id, status, _load(handles), value,
                                   finished_at.astimezone(UTC) if finished_at is not None else None)
    return snaps


def _load(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)


# `e.id = ANY(:ids)` too: PostgreSQL guesses 100 rows for json_to_recordset and joined them to
# every execution with a hash join over a sequential scan (3.7-5.2 ms per batch with 10,000
# executions, growing with the table); with the ids it looks each one up in the primary key.
_SETTLE = dialect.fixed("""
UPDATE executions AS e
SET updated_at = v.at, status = COALESCE(v.status, e.status),
    output = CASE WHEN v.status = 'success' THEN COALESCE(v.output, 'null') ELSE e.output END,
    completed_at = CASE WHEN v.status = 'success' THEN v.at ELSE e.completed_at END
FROM json_to_recordset(CAST(:rows AS json)) AS v(id text, status text, output json, at timestamptz)
WHERE e.id = ANY(CAST(:ids AS text[])) AND e.id = v.id""")


def _settle_params(settled: list[tuple[str, str | None, Any, datetime]]) -> dict[str, Any]:
    return {"rows": json.dumps([{"id": eid, "status": status, "output": output, "at": at.isoformat()}
                                for eid, status, output, at in settled]),
            "ids": [eid for eid, *_ in settled]}


_TEXT_KEYS = ("id", "execution_id", "node_id", "status", "error", "wait_kind", "lease_owner")
_JSON_KEYS = ("handles", "input", "output")
_TIME_KEYS = ("queued_at", "run_at", "started_at", "finished_at", "lease_expires_at")
_INSERT = dialect.fixed(f"""
INSERT INTO execution_steps ({", ".join(_TEXT_KEYS + _JSON_KEYS + _TIME_KEYS)}, attempt, recoveries)
SELECT {", ".join(_TEXT_KEYS)}, {", ".join(f"COALESCE({k}, 'null')" for k in _JSON_KEYS)},
       {", ".join(_TIME_KEYS)}, attempt, recoveries
FROM json_to_recordset(CAST(:rows AS json)) AS v({", ".join(f"{k} text" for k in _TEXT_KEYS)},
     {", ".join(f"{k} json" for k in _JSON_KEYS)}, {", ".join(f"{k} timestamptz" for k in _TIME_KEYS)},
     attempt int, recoveries int)""")


def _insert_params(rows: list[dict]) -> dict[str, Any]:
    payload = []
    for row in rows:
        item = {k: row.get(k) for k in _TEXT_KEYS}
        item.update({k: row.get(k) for k in _JSON_KEYS})
        item.update({k: row[k].isoformat() if row.get(k) is not None else None for k in _TIME_KEYS})
        item.update(attempt=row.get("attempt", 1), recoveries=row.get("recoveries", 0))
        payload.append(item)
    return {"rows": json.dumps(payload)}


_USER_COLUMNS = tuple(c for c in _U.c if c.name != "password_hash")
_EVENT_COLUMNS = ("id", "status", "payload", "namespace", "event_key", "received_at", "received_from")

# A claim and what its steps need to run, in one statement: the due steps claimed (FOR UPDATE SKIP
# LOCKED: each worker takes different rows), each with its execution, the execution's user, the
# outputs of the execution's nodes whose latest attempt succeeded (the claimed steps themselves
# are not among them: the statement reads the rows as they were before its own update), and for a
# resumed wait for an event, that wait.
_CLAIM_WITH_WORLDS_SQL = f"""
WITH due AS (
    SELECT id FROM execution_steps WHERE status IN ('pending', 'waiting') AND run_at <= :now
    ORDER BY run_at LIMIT __LIMIT__ FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE execution_steps AS s SET status = 'running', lease_owner = :owner, lease_expires_at = :until,
        started_at = :now
    FROM due WHERE s.id = due.id
    RETURNING s.id, s.execution_id, s.node_id, s.attempt, s.wait_kind, s.recoveries
)
SELECT c.id, c.execution_id, c.node_id, c.attempt, c.wait_kind, c.recoveries,
       {", ".join(f"e.{col.name} AS e__{col.name}" for col in _E.c)},
       {", ".join(f"u.{col.name} AS u__{col.name}" for col in _USER_COLUMNS)},
       CAST((SELECT json_object_agg(latest.node_id, latest.output) FROM (
                SELECT DISTINCT ON (x.node_id) x.node_id, x.status, x.output FROM execution_steps x
                WHERE x.execution_id = c.execution_id ORDER BY x.node_id, x.attempt DESC) AS latest
             WHERE latest.status = 'success') AS text) AS outputs,
       {", ".join(f"w.{name} AS w__{name}" for name in _EVENT_COLUMNS)}
FROM claimed c
LEFT JOIN executions e ON e.id = c.execution_id
LEFT JOIN users u ON u.id = e.user_id
LEFT JOIN wait_events w ON c.wait_kind = 'event' AND w.step_id = c.id
"""


@functools.lru_cache(maxsize=256)
def _claim_with_worlds(limit: int) -> dialect.Fixed:
    """The claim for `limit` steps. The LIMIT is written in (one prepared statement per batch
    size) rather than a parameter: a parameter leaves PostgreSQL's generic plan guessing a tenth
    of the table, and it then joins the claimed steps to their executions with sequential scans
    (milliseconds with 10,000 executions waiting) instead of index lookups."""
    return dialect.fixed(_CLAIM_WITH_WORLDS_SQL.replace("__LIMIT__", str(int(limit))))


class ClaimRow(NamedTuple):
    """A step just claimed, with what it needs to run (None where its execution is gone)."""

    claimed: Claimed
    execution: SimpleNamespace | None
    user: SimpleNamespace | None
    outputs: dict[str, Any]
    event: SimpleNamespace | None  # the wait of a resumed Wait for Event step


def claim_with_worlds(s: Session, owner: str, now: datetime, limit: int, until: datetime) -> list[ClaimRow]:
    """Claim up to `limit` due steps with their worlds and COMMIT, in ONE round trip (the claim
    and its COMMIT pipelined). What this returns is committed: a caller that fails afterwards
    leaves the steps to lease expiry."""
    (names, rows), = dialect.pipelined(s.connection(), [(_claim_with_worlds(limit), {
        "now": now, "owner": owner, "until": until})], commit=True)
    out = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        execution = user = event = None
        if values["e__id"] is not None:
            execution = SimpleNamespace(**{c.name: values[f"e__{c.name}"] for c in _E.c})
        if values["u__id"] is not None:
            user = SimpleNamespace(**{c.name: values[f"u__{c.name}"] for c in _USER_COLUMNS})
        if values["w__id"] is not None:
            event = SimpleNamespace(**{name: values[f"w__{name}"] for name in _EVENT_COLUMNS})
        out.append(ClaimRow(Claimed(*row[:6]), execution, user, _load(values["outputs"]) or {}, event))
    return out
