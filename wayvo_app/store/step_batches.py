"""Set-based statements of the group commit (PostgreSQL only): several finished steps of one
worker, of many executions, recorded in ONE transaction. Each statement is built once, with
fixed shapes and array/JSON parameters, so SQLAlchemy compiles it once per process."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import String, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from wayvo_app.store.executions import Snapshot
from wayvo_app.store.models import Execution, ExecutionStep

_E = Execution.__table__
_S = ExecutionStep.__table__
_IDS = bindparam("_ids", type_=ARRAY(String))

# The executions are locked in id order (ORDER BY under FOR UPDATE: rows are locked as sorted),
# so two workers' batches, each locking several executions, cannot deadlock on them. A lock, not
# an UPDATE: the batch writes each execution once, at its end (`settle_executions`); a second
# version of a row written in the same transaction would re-run its foreign-key checks.
_LOCK = (_E.select().where(_E.c.id == any_(_IDS)).order_by(_E.c.id).with_for_update())


def lock_running_executions(s: Session, execution_ids: list[str]) -> dict[str, SimpleNamespace]:
    """Lock every execution of the batch (in id order) and return those still running or paused
    as plain mutable records by id."""
    rows = s.connection().execute(_LOCK, {"_ids": sorted(set(execution_ids))})
    return {row.id: SimpleNamespace(**row._mapping) for row in rows if row.status in ("running", "paused")}


# One fenced UPDATE for all the batch's successes: a step whose lease moved (or that is no
# longer running) matches no row and drops out of RETURNING, the others are recorded.
_FENCE_SUCCESS = text("""
UPDATE execution_steps AS s
SET status = 'success', input = CAST(v.input AS json), output = CAST(v.output AS json),
    handles = CAST(v.handles AS json), finished_at = CAST(v.finished_at AS timestamptz),
    lease_expires_at = NULL
FROM json_to_recordset(CAST(:rows AS json))
     AS v(id text, input text, output text, handles text, finished_at text)
WHERE s.id = v.id AND s.status = 'running' AND s.lease_owner = :owner
RETURNING s.id""")


def _json(value: Any) -> str:
    return json.dumps(value)


def fence_successes(s: Session, owner: str, rows: list[dict]) -> set[str]:
    """Record the successes in `rows` (id, input, output, handles, finished_at) where `owner`
    still holds the lease; the ids recorded."""
    if not rows:
        return set()
    payload = json.dumps([{"id": r["id"], "input": _json(r["input"]), "output": _json(r["output"]),
                           "handles": _json(r["handles"]), "finished_at": r["finished_at"].isoformat()}
                          for r in rows])
    return {row[0] for row in s.connection().execute(_FENCE_SUCCESS, {"rows": payload, "owner": owner})}


_SNAPSHOTS = (_S.select().with_only_columns(_S.c.execution_id, _S.c.node_id, _S.c.status, _S.c.handles,
                                            _S.c.output, _S.c.finished_at)
              .where(_S.c.execution_id == any_(_IDS)).order_by(_S.c.attempt))


def snapshots(s: Session, execution_ids: list[str]) -> dict[str, Snapshot]:
    """The snapshots of several executions in one query (array parameter: one compiled form)."""
    snaps = {execution_id: Snapshot({}, {}, {}) for execution_id in execution_ids}
    if execution_ids:
        for execution_id, node_id, status, handles, output, finished_at in s.connection().execute(
                _SNAPSHOTS, {"_ids": list(execution_ids)}):
            snaps[execution_id].record(node_id, status, handles, output, finished_at)
    return snaps


_SETTLE = text("""
UPDATE executions AS e
SET updated_at = CAST(v.at AS timestamptz), status = COALESCE(v.status, e.status),
    output = CASE WHEN v.status = 'success' THEN CAST(v.output AS json) ELSE e.output END,
    completed_at = CASE WHEN v.status = 'success' THEN CAST(v.at AS timestamptz) ELSE e.completed_at END
FROM json_to_recordset(CAST(:rows AS json)) AS v(id text, status text, output text, at text)
WHERE e.id = v.id""")


def settle_executions(s: Session, settled: list[tuple[str, str | None, Any, datetime]]) -> None:
    """One statement for every execution the batch moved (they are locked by this transaction):
    (id, new status or None to keep it, output of a success, time) sets updated_at, the status,
    and for a success its output and completion time."""
    if settled:
        payload = json.dumps([{"id": eid, "status": status, "output": _json(output), "at": at.isoformat()}
                              for eid, status, output, at in settled])
        s.connection().execute(_SETTLE, {"rows": payload})


_TEXT_KEYS = ("id", "execution_id", "node_id", "status", "error", "wait_kind", "lease_owner")
_JSON_KEYS = ("handles", "input", "output")
_TIME_KEYS = ("queued_at", "run_at", "started_at", "finished_at", "lease_expires_at")
_INSERT = text(f"""
INSERT INTO execution_steps ({", ".join(_TEXT_KEYS + _JSON_KEYS + _TIME_KEYS)}, attempt, recoveries)
SELECT {", ".join(_TEXT_KEYS)}, {", ".join(f"CAST({k} AS json)" for k in _JSON_KEYS)},
       {", ".join(f"CAST({k} AS timestamptz)" for k in _TIME_KEYS)}, attempt, recoveries
FROM json_to_recordset(CAST(:rows AS json))
     AS v({", ".join(f"{k} text" for k in _TEXT_KEYS + _JSON_KEYS + _TIME_KEYS)}, attempt int, recoveries int)""")


def insert_steps(s: Session, rows: list[dict]) -> None:
    """`executions.insert_steps` as one short statement with one JSON parameter (an executemany
    of many rows is rendered, converted and bound row by row)."""
    if not rows:
        return
    payload = []
    for row in rows:
        item = {k: row.get(k) for k in _TEXT_KEYS}
        item.update({k: _json(row.get(k)) for k in _JSON_KEYS})
        item.update({k: row[k].isoformat() if row.get(k) is not None else None for k in _TIME_KEYS})
        item.update(attempt=row.get("attempt", 1), recoveries=row.get("recoveries", 0))
        payload.append(item)
    s.connection().execute(_INSERT, {"rows": json.dumps(payload)})
