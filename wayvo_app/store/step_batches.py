"""Set-based statements of the group commit (PostgreSQL only): several finished steps of one
worker, of many executions, recorded in ONE transaction. Each statement is built once, with
fixed shapes and array/JSON parameters, so SQLAlchemy compiles it once per process."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from wayvo_app.store.executions import Snapshot
from wayvo_app.store.models import Execution, ExecutionStep, User

_E = Execution.__table__
_S = ExecutionStep.__table__
_U = User.__table__
_IDS = bindparam("_ids", type_=ARRAY(String))

# The executions are locked in id order (ORDER BY under FOR UPDATE: rows are locked as sorted),
# so two workers' batches, each locking several executions, cannot deadlock on them. A lock, not
# an UPDATE: the batch writes each execution once, at its end (`settle_executions`); a second
# version of a row written in the same transaction would re-run its foreign-key checks.
_LOCK = (_E.select().where(_E.c.id == any_(_IDS)).order_by(_E.c.id).with_for_update())


def lock_running_executions(s: Session, execution_ids: list[str]) -> dict[str, SimpleNamespace]:
    """Lock every execution of the batch (in id order) and return those still running or paused
    as plain mutable records by id."""
    result = s.connection().execute(_LOCK, {"_ids": sorted(set(execution_ids))})
    keys = list(result.keys())
    records = (SimpleNamespace(**dict(zip(keys, row, strict=True))) for row in result)
    return {r.id: r for r in records if r.status in ("running", "paused")}


# One fenced UPDATE for all the batch's successes: a step whose lease moved (or that is no
# longer running) matches no row and drops out of RETURNING, the others are recorded.
_FENCE_SUCCESS = text("""
UPDATE execution_steps AS s
SET status = 'success', input = COALESCE(v.input, 'null'), output = COALESCE(v.output, 'null'),
    handles = COALESCE(v.handles, 'null'), finished_at = v.finished_at, lease_expires_at = NULL
FROM json_to_recordset(CAST(:rows AS json))
     AS v(id text, input json, output json, handles json, finished_at timestamptz)
WHERE s.id = v.id AND s.status = 'running' AND s.lease_owner = :owner
RETURNING s.id""")


def fence_successes(s: Session, owner: str, rows: list[dict]) -> set[str]:
    """Record the successes in `rows` (id, input, output, handles, finished_at) where `owner`
    still holds the lease; the ids recorded."""
    if not rows:
        return set()
    payload = json.dumps([{"id": r["id"], "input": r["input"], "output": r["output"], "handles": r["handles"],
                           "finished_at": r["finished_at"].isoformat()} for r in rows])
    return {row[0] for row in s.connection().execute(_FENCE_SUCCESS, {"rows": payload, "owner": owner})}


# Outputs come back as text, parsed here only when needed; no result typing (a textual
# statement matched to typed columns rebuilds its column map at every execution).
_SNAPSHOTS = text("""
SELECT execution_id, node_id, status, CAST(handles AS text), CAST(output AS text), finished_at
FROM execution_steps WHERE execution_id = ANY(:ids) ORDER BY attempt""")


def snapshots(s: Session, execution_ids: list[str],
              known: dict[str, dict[str, Any]] | None = None) -> dict[str, Snapshot]:
    """The snapshots of several executions in one query. A success's output never changes, so
    the outputs in `known` (per execution: node id -> output, already parsed) are taken as they
    are and only the others are parsed (most of a snapshot's cost was parsing every output)."""
    snaps = {execution_id: Snapshot({}, {}, {}) for execution_id in execution_ids}
    known = known or {}
    if execution_ids:
        for execution_id, node_id, status, handles, output, finished_at in s.connection().execute(
                _SNAPSHOTS, {"ids": list(execution_ids)}):
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


_SETTLE = text("""
UPDATE executions AS e
SET updated_at = v.at, status = COALESCE(v.status, e.status),
    output = CASE WHEN v.status = 'success' THEN COALESCE(v.output, 'null') ELSE e.output END,
    completed_at = CASE WHEN v.status = 'success' THEN v.at ELSE e.completed_at END
FROM json_to_recordset(CAST(:rows AS json)) AS v(id text, status text, output json, at timestamptz)
WHERE e.id = v.id""")


def settle_executions(s: Session, settled: list[tuple[str, str | None, Any, datetime]]) -> None:
    """One statement for every execution the batch moved (they are locked by this transaction):
    (id, new status or None to keep it, output of a success, time) sets updated_at, the status,
    and for a success its output and completion time."""
    if settled:
        payload = json.dumps([{"id": eid, "status": status, "output": output, "at": at.isoformat()}
                              for eid, status, output, at in settled])
        s.connection().execute(_SETTLE, {"rows": payload})


_TEXT_KEYS = ("id", "execution_id", "node_id", "status", "error", "wait_kind", "lease_owner")
_JSON_KEYS = ("handles", "input", "output")
_TIME_KEYS = ("queued_at", "run_at", "started_at", "finished_at", "lease_expires_at")
_INSERT = text(f"""
INSERT INTO execution_steps ({", ".join(_TEXT_KEYS + _JSON_KEYS + _TIME_KEYS)}, attempt, recoveries)
SELECT {", ".join(_TEXT_KEYS)}, {", ".join(f"COALESCE({k}, 'null')" for k in _JSON_KEYS)},
       {", ".join(_TIME_KEYS)}, attempt, recoveries
FROM json_to_recordset(CAST(:rows AS json)) AS v({", ".join(f"{k} text" for k in _TEXT_KEYS)},
     {", ".join(f"{k} json" for k in _JSON_KEYS)}, {", ".join(f"{k} timestamptz" for k in _TIME_KEYS)},
     attempt int, recoveries int)""")


def insert_steps(s: Session, rows: list[dict]) -> None:
    """`executions.insert_steps` as one short statement with one JSON parameter (an executemany
    of many rows is rendered, converted and bound row by row)."""
    if not rows:
        return
    payload = []
    for row in rows:
        item = {k: row.get(k) for k in _TEXT_KEYS}
        item.update({k: row.get(k) for k in _JSON_KEYS})
        item.update({k: row[k].isoformat() if row.get(k) is not None else None for k in _TIME_KEYS})
        item.update(attempt=row.get("attempt", 1), recoveries=row.get("recoveries", 0))
        payload.append(item)
    s.connection().execute(_INSERT, {"rows": json.dumps(payload)})


_USER_COLUMNS = tuple(c for c in _U.c if c.name != "password_hash")
_WITH_USERS = (select(*_E.c, *(c.label(f"user__{c.name}") for c in _USER_COLUMNS))
               .join_from(_E, _U, _U.c.id == _E.c.user_id).where(_E.c.id == any_(_IDS)))


def executions_with_users(s: Session, execution_ids: list[str]) -> dict[str, tuple[SimpleNamespace, SimpleNamespace]]:
    """`executions.executions_with_users` as plain records (no ORM identity map or instrumented
    objects: a claim batch's worlds are only read)."""
    out = {}
    if execution_ids:
        for row in s.connection().execute(_WITH_USERS, {"_ids": list(execution_ids)}):
            values = row._mapping
            execution = SimpleNamespace(**{c.name: values[c.name] for c in _E.c})
            user = SimpleNamespace(**{c.name: values[f"user__{c.name}"] for c in _USER_COLUMNS})
            out[execution.id] = (execution, user)
    return out
