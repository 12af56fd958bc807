"""GET /api/health: 200 when the database answers and engine workers heartbeat, else 503. Open
without authentication, for load balancers and process supervisors; it names no host or secret."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from wayvo_app.services.health import health_report

HEALTH_PATH = "/api/health"

router = APIRouter()

_EXAMPLE = {"status": "ok", "database": {"reachable": True, "latencyMs": 1.2},
            "workers": {"alive": 2, "staleAfterSeconds": 15.0,
                        "items": [{"inflight": 3, "startedAt": "2026-01-01T09:00:00+00:00",
                                   "lastBeatAt": "2026-01-01T09:30:00+00:00", "secondsSinceBeat": 1.4}]},
            "checkedAt": "2026-01-01T09:30:01+00:00"}
_DOWN = {**_EXAMPLE, "status": "unavailable", "workers": {"alive": 0, "staleAfterSeconds": 15.0, "items": []},
         "error": "No engine worker heartbeat in the last 15 s", "code": "service_unavailable"}


@router.get(HEALTH_PATH, tags=["operations"], summary="Service health",
            description="Whether the database is reachable (`database.reachable`) and how many engine "
                        "workers heartbeat (`workers.alive`, a worker counts while its last heartbeat is "
                        "younger than `staleAfterSeconds`). 200 when both hold, else 503.",
            responses={200: {"description": "Healthy", "content": {"application/json": {"example": _EXAMPLE}}},
                       503: {"description": "The database is unreachable or no worker heartbeats",
                             "content": {"application/json": {"example": _DOWN}}}},
            openapi_extra={"security": []})
async def health() -> JSONResponse:
    report = await asyncio.to_thread(health_report)  # the loop's bounded executor: no pool overflow under probes
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503,
                        headers={"Cache-Control": "no-store"})
