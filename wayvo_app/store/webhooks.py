"""Webhook endpoint rows: found by the SHA-256 of their token, one per workflow."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from wayvo_app.store.models import WebhookEndpoint


def by_token_hash(s: Session, token_hash: str) -> WebhookEndpoint | None:
    return s.exec(select(WebhookEndpoint).where(WebhookEndpoint.token_hash == token_hash)).scalar_one_or_none()


def by_workflow(s: Session, workflow_id: str) -> WebhookEndpoint | None:
    return s.get(WebhookEndpoint, workflow_id)


def save(s: Session, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    s.add(endpoint)
    s.flush()
    return endpoint
