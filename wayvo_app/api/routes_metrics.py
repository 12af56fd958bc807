"""GET /metrics: Prometheus text format for operators, behind WAYVO_METRICS_TOKEN (a Bearer token;
unset, the route answers 404 as if it did not exist). Not under /api: scrapers expect /metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from wayvo_app import routes
from wayvo_app.services import metrics

router = APIRouter(tags=["operations"])

DESCRIPTION = (
    "Prometheus text format: executions started and finished (by workflow, trigger and status), step "
    "durations by node type, leases recovered, signals by outcome, and gauges read from the database at "
    "scrape time (due unclaimed steps and the age of the oldest, open executions, approvals pending and "
    "overdue, the e-mail outbox backlog, live workers). Needs `Authorization: Bearer <WAYVO_METRICS_TOKEN>` "
    "(not a session token or API key); 404 while that setting is unset, 401 for a wrong token.")


@router.get(routes.METRICS, summary="Prometheus metrics", description=DESCRIPTION,
            openapi_extra={"security": [{"metricsToken": []}]},
            responses={200: {"description": "The metrics", "content": {"text/plain": {
                "example": '# TYPE wayvo_executions_started_total counter\n'
                           'wayvo_executions_started_total{trigger="Webhook",workflow_id="..."} 12.0\n'}}},
                       401: {"description": "Wrong or missing token"},
                       404: {"description": "Metrics are off (WAYVO_METRICS_TOKEN unset)"}})
async def metrics_route(request: Request) -> Response:
    metrics.check_token(request.headers.get("authorization"))
    body = await run_in_threadpool(metrics.scrape)
    return Response(body, media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})
