"""Is the service healthy: the database answers and engine workers heartbeat. Workers record
their heartbeats here (one row each, rewritten every few seconds, deleted on a clean stop)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update

from wayvo_app.core.times import aware, utcnow
from wayvo_app.store import db
from wayvo_app.store.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 5.0
# A worker is alive while its last heartbeat is younger than this many periods.
STALE_AFTER_BEATS = 3
# Rows of workers gone for longer than this are deleted by the heartbeats of the others.
FORGET_AFTER = timedelta(days=1)


def beat(owner: str, host: str, pid: int, inflight: int, *, url: str | None = None,
         now: datetime | None = None) -> None:
    """Record that this worker is alive (insert its row the first time)."""
    now = now or utcnow()
    with db.session(url) as s:
        updated = s.exec(update(WorkerHeartbeat).where(WorkerHeartbeat.owner == owner)
                         .values(beat_at=now, inflight=inflight)).rowcount
        if not updated:
            s.add(WorkerHeartbeat(owner=owner, host=host[:200], pid=pid, inflight=inflight,
                                  started_at=now, beat_at=now))
        s.exec(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))


def forget(owner: str, *, url: str | None = None) -> None:
    """A worker stopping cleanly removes its row, so it is not counted while it is stale."""
    with db.session(url) as s:
        s.exec(delete(WorkerHeartbeat).where(WorkerHeartbeat.owner == owner))


def _database(url: str | None) -> dict[str, Any]:
    started = time.monotonic()
    try:
        with db.read_session(url) as s:
            s.exec(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"; never leak the URL
        return {"reachable": False, "error": type(exc).__name__}
    return {"reachable": True, "latencyMs": round((time.monotonic() - started) * 1000, 1)}


def _workers(url: str | None, now: datetime, period: float) -> list[dict[str, Any]]:
    fresh_since = now - timedelta(seconds=period * STALE_AFTER_BEATS)
    with db.read_session(url) as s:
        rows = s.exec(select(WorkerHeartbeat).where(WorkerHeartbeat.beat_at >= fresh_since)
                      .order_by(WorkerHeartbeat.started_at)).scalars().all()
    # No host names or process ids: the route answers without authentication (load balancers).
    return [{"inflight": row.inflight, "startedAt": aware(row.started_at).isoformat(),
             "lastBeatAt": aware(row.beat_at).isoformat(),
             "secondsSinceBeat": round(max((now - aware(row.beat_at)).total_seconds(), 0.0), 1)}
            for row in rows]


def health_report(*, url: str | None = None, now: datetime | None = None,
                  period: float = HEARTBEAT_SECONDS) -> dict[str, Any]:
    """`{"status": "ok"|"unavailable", "database": {...}, "workers": {"alive": n, "items": [...]}}`:
    ok when the database answers and at least one worker heartbeats."""
    now = now or utcnow()
    database = _database(url)
    workers = _workers(url, now, period) if database["reachable"] else []
    healthy = database["reachable"] and bool(workers)
    report = {"status": "ok" if healthy else "unavailable", "database": database,
              "workers": {"alive": len(workers), "staleAfterSeconds": period * STALE_AFTER_BEATS,
                          "items": workers},
              "checkedAt": now.isoformat()}
    if not healthy:  # the API's error shape too, so clients that read {"error", "code"} understand
        report["error"] = ("The database is not reachable" if not database["reachable"] else
                           f"No engine worker heartbeat in the last {period * STALE_AFTER_BEATS:g} s")
        report["code"] = "service_unavailable"
    return report
