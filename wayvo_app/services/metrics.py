"""GET /metrics, the use case: the counters of every process (one registry, or the files of all
processes under PROMETHEUS_MULTIPROC_DIR) plus the gauges that are database facts, read at scrape
time, in Prometheus's text format. The token check lives here too (WAYVO_METRICS_TOKEN)."""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

from wayvo_app.core.errors import AuthenticationError, NotFoundError
from wayvo_app.core.times import utcnow
from wayvo_app.engine import metrics as _counters  # noqa: F401  (defines the counters before a scrape)
from wayvo_app.services.health import health_report
from wayvo_app.settings import get_settings
from wayvo_app.store import db
from wayvo_app.store.metrics_reads import DatabaseFacts, database_facts

CONTENT_TYPE = CONTENT_TYPE_LATEST


def check_token(authorization: str | None) -> None:
    """NotFoundError while metrics are off (no token set); AuthenticationError for a wrong token."""
    expected = get_settings().metrics_token
    if not expected:
        raise NotFoundError("Not Found")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise AuthenticationError("GET /metrics needs Authorization: Bearer <WAYVO_METRICS_TOKEN>")


def _gauge(name: str, text: str, value: float, labels: dict[str, str] | None = None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


def database_gauges(facts: DatabaseFacts, workers: int) -> Iterator[Metric]:
    yield _gauge("wayvo_steps_due_unclaimed", "Steps due to run that no worker has claimed yet", facts.due_steps)
    yield _gauge("wayvo_steps_due_oldest_age_seconds", "How long the oldest unclaimed due step has waited",
                 facts.oldest_due_age_seconds)
    open_runs = GaugeMetricFamily("wayvo_executions_open", "Executions not finished, by status", labels=["status"])
    for status, count in sorted(facts.executions_by_status.items()):
        open_runs.add_metric([status], count)
    yield open_runs
    yield _gauge("wayvo_approvals_pending", "Approval requests waiting for a decision", facts.approvals_pending)
    yield _gauge("wayvo_approvals_overdue", "Pending approval requests past their expiry", facts.approvals_overdue)
    yield _gauge("wayvo_outbox_backlog", "E-mail messages waiting in the outbox", facts.outbox_backlog)
    yield _gauge("wayvo_outbox_oldest_age_seconds", "How long the oldest waiting e-mail has waited",
                 facts.oldest_outbox_age_seconds)
    yield _gauge("wayvo_workers_alive", "Engine workers with a fresh heartbeat", workers)


class _DatabaseCollector:
    def __init__(self, now: datetime):
        self.now = now

    def collect(self) -> Iterator[Metric]:
        with db.read_session() as s:
            facts = database_facts(s, self.now)
        yield from database_gauges(facts, health_report(now=self.now)["workers"]["alive"])


def scrape(now: datetime | None = None) -> bytes:
    """The exposition text: counters of this process (or of all, in multiprocess mode), then gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(_DatabaseCollector(now or utcnow()))
    return generate_latest(counters) + generate_latest(gauges)
