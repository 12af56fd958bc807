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
# so two workers' batches, each locking several executions, cannot deadlock on them; the same
# statement touches updated_at of those still running or paused and returns their rows.
_ORDERED = (_E.select().with_only_columns(_E.c.id).where(_E.c.id == any_(_IDS))
            .order_by(_E.c.id).with_for_update().subquery("locked"))
_LOCK_RUNNING = (_E.update().where(_E.c.id == _ORDERED.c.id, _E.c.status.in_(("running", "paused")))
                 .values(updated_at=bindparam("_now")).returning(*_E.c))


def lock_running_executions(s: Session, execution_ids: list[str], now: datetime) -> dict[str, SimpleNamespace]:
    """Lock every execution of the batch (in id order) and return those still running or paused,
    touched (updated_at), as plain mutable records by id."""
    rows = s.connection().execute(_LOCK_RUNNING, {"_ids": sorted(execution_ids), "_now": now})
    return {row.id: SimpleNamespace(**row._mapping) for row in rows}


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


_FINISH = text("""
UPDATE executions AS e
SET status = 'success', output = CAST(v.output AS json), completed_at = CAST(v.at AS timestamptz),
    updated_at = CAST(v.at AS timestamptz)
FROM json_to_recordset(CAST(:rows AS json)) AS v(id text, output text, at text)
WHERE e.id = v.id""")


def finish_executions(s: Session, finished: list[tuple[str, Any, datetime]]) -> None:
    """Mark several executions successful, each with its output and completion time, in one
    statement (they are locked by this transaction already)."""
    if finished:
        payload = json.dumps([{"id": eid, "output": _json(output), "at": at.isoformat()}
                              for eid, output, at in finished])
        s.connection().execute(_FINISH, {"rows": payload})
