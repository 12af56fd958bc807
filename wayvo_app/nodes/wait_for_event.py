"""Wait for Event: pauses until an external system signals (namespace, key), or the wait expires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed, WaitForEvent
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField
from wayvo_app.nodes.fields import ERROR_CONTINUE, choice, expires_at, render_object, render_text

OUTPUT_KEYS = ("status", "payload", "eventNamespace", "eventKey", "waitEventId", "receivedAt", "receivedFrom")


def _name(ctx: Any, config: Mapping[str, Any], key: str) -> str:
    rendered = ctx.render(config.get(key)) if config.get(key) is not None else None
    if isinstance(rendered, bool) or not isinstance(rendered, str | int | float):
        rendered = None
    text = str(rendered).strip() if rendered is not None else ""
    if not text:
        raise StepError(f"Wait for Event needs a non-empty {key}", retryable=False)
    return text


def run(ctx: Any, config: dict[str, Any]) -> WaitForEvent:
    outcome = WaitForEvent(
        namespace=_name(ctx, config, "eventNamespace"),
        key=_name(ctx, config, "eventKey"),
        title=render_text(ctx, config.get("title")) or None,
        description=render_text(ctx, config.get("description")) or None,
        expires_at=expires_at(ctx, config.get("expiresIn")),
        on_expiration=choice(config.get("onExpiration"), ERROR_CONTINUE, "error", "onExpiration"),
        context_data=render_object(ctx, config.get("contextData"), "contextData"),
    )
    ctx.resolved_input = {
        "eventNamespace": outcome.namespace, "eventKey": outcome.key, "title": outcome.title,
        "description": outcome.description, "onExpiration": outcome.on_expiration,
        "expiresAt": outcome.expires_at.isoformat() if outcome.expires_at else None,
        "contextData": outcome.context_data,
    }
    return outcome


def resume(ctx: Any, config: dict[str, Any], resolution: Mapping[str, Any]) -> Completed:
    """Received: the signal's payload on the "received" branch. Expired: an error, or "expired"."""
    output = {key: resolution.get(key) for key in OUTPUT_KEYS}
    for key in ("eventNamespace", "eventKey"):
        output[key] = output[key] or _name(ctx, config, key)
    if output["status"] == "received":
        return Completed(output, branch="received")
    on_expiration = choice(config.get("onExpiration"), ERROR_CONTINUE, "error", "onExpiration")
    if on_expiration == "error":
        where = f"{output['eventNamespace']}/{output['eventKey']}"
        raise StepError(f"Event {where} expired before it was received", retryable=False)
    return Completed({**output, "status": "expired", "payload": None}, branch="expired")


SPEC = NodeSpec(
    action_type="Wait for Event",
    label="Wait for Event",
    description="Pause until an external system signals an event through the signal API",
    category="Workflow Control",
    icon="radio-tower",
    config_fields=(
        ConfigField("eventNamespace", "Event Namespace", required=True, placeholder="orders",
                    description="Namespace for scoping events (e.g. orders, payments)"),
        ConfigField("eventKey", "Event Key", required=True, placeholder="order-{{Trigger.orderId}}-paid",
                    description="Unique key within the namespace"),
        ConfigField("title", "Title", description="Human-readable description"),
        ConfigField("description", "Description", type="template-textarea", rows=3,
                    description="Detailed description of the expected event"),
        ConfigField("expiresIn", "Expires In", placeholder="7d, 24h, 30m"),
        ConfigField("onExpiration", "On Expiration", type="select", default="error", options=ERROR_CONTINUE),
        ConfigField("contextData", "Context Data", type="template-textarea", rows=4,
                    description="JSON object with additional context"),
    ),
    output_fields=(
        OutputField("status", "Event status: received or expired"),
        OutputField("payload", "Data payload from the external signal"),
        OutputField("eventNamespace", "The event namespace"),
        OutputField("eventKey", "The event key that was matched"),
        OutputField("waitEventId", "UUID of the wait event record"),
        OutputField("receivedAt", "ISO timestamp when the event was received"),
        OutputField("receivedFrom", "Source identifier of the signal (API key name)"),
    ),
    handles=("received", "expired"),
    run=run,
    resume=resume,
    resume_inline=True,
)
