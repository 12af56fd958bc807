"""Where an execution came from (`executions.origin`): the values, their labels, and the origin a
new run gets when its caller does not say (a retry, a child run, a schedule, a webhook, code)."""

from __future__ import annotations

ORIGIN_LABELS: dict[str, str] = {
    "ui": "UI",
    "api": "API",
    "api_key": "API key",
    "webhook": "Webhook",
    "schedule": "Schedule",
    "retry": "Retry",
    "parent": "Parent run",
    "code": "Code",
}
ORIGINS = tuple(ORIGIN_LABELS)


def origin_of(origin: str | None, *, trigger_type: str | None = None, retry_of_id: str | None = None,
              parent_execution_id: str | None = None) -> str:
    """A retry or a child run says so whatever its caller; else the caller's origin; else the
    trigger type tells a schedule or a webhook; anything else was started by application code."""
    if retry_of_id:
        return "retry"
    if parent_execution_id:
        return "parent"
    if origin in ORIGIN_LABELS:
        return origin
    return {"Schedule": "schedule", "Webhook": "webhook"}.get(trigger_type or "", "code")


def origin_label(origin: str | None) -> str:
    """`API key`, `Schedule`…; `—` for rows older than origins."""
    return ORIGIN_LABELS.get(origin or "", "—")
