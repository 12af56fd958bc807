"""The trigger node: starts a workflow (Manual, Webhook, Schedule, DataSource); its output is the input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from wayvo_app.core.outcomes import Completed
from wayvo_app.core.specs import ConfigField, NodeSpec, SelectOption, ShowWhen
from wayvo_app.nodes.fields import aware

TRIGGER_TYPES = ("Manual", "Webhook", "Schedule", "DataSource")


def run(ctx: Any, config: dict[str, Any]) -> Completed:
    ctx.resolved_input = {"triggerType": config.get("triggerType") or "Manual"}
    return Completed(output=ctx.trigger_input)


def next_fire_times(cron: str, tz: str | None, after: datetime, count: int = 5) -> list[datetime]:
    """The next `count` times a schedule fires after `after`, as aware datetimes in the schedule's
    time zone (UTC when `tz` is empty); daylight-saving changes follow the zone's rules."""
    zone = ZoneInfo(tz.strip()) if tz and tz.strip() else UTC
    schedule = croniter(cron, aware(after).astimezone(zone))
    return [schedule.get_next(datetime) for _ in range(count)]


_WEBHOOK = ShowWhen("triggerType", "Webhook")
# Settings of the secret URL /api/hooks/{token}; the signing secret itself is kept encrypted
# outside the document (services/webhooks.py). The published version's values apply.
WEBHOOK_FIELDS = (
    ConfigField("webhookSignature", "Signature", type="select", default="none", show_when=_WEBHOOK,
                options=(SelectOption("none", "None (the secret URL alone)"),
                         SelectOption("sha256", "sha256=<hex> (GitHub style)"),
                         SelectOption("timestamped", "t=<unix>,v1=<hex> (Stripe style)")),
                description="HMAC-SHA256 of the raw body with the trigger's signing secret"),
    ConfigField("webhookSignatureHeader", "Signature Header", type="text", show_when=_WEBHOOK,
                placeholder="X-Hub-Signature-256 or Stripe-Signature",
                description="The header carrying the signature (empty: the style's usual header)"),
    ConfigField("webhookTolerance", "Timestamp Tolerance", type="text", placeholder="5m", show_when=_WEBHOOK,
                description="Stripe style: older (or later) signatures are refused as replays"),
    ConfigField("webhookResponse", "Respond", type="select", default="immediately", show_when=_WEBHOOK,
                options=(SelectOption("immediately", "Immediately (202 with the execution id)"),
                         SelectOption("whenFinished", "When the workflow finishes (its output)"))),
    ConfigField("webhookTimeout", "Wait At Most", type="text", placeholder="30s", show_when=_WEBHOOK,
                description="When responding at the finish: after this, 202 with the execution id"),
)

SPEC = NodeSpec(
    action_type="trigger",
    label="Trigger",
    description="Starts the workflow: by hand, from a webhook, on a schedule, or from a data source hook",
    category="Triggers",
    icon="zap",
    kind="trigger",
    config_fields=(
        ConfigField(
            "triggerType",
            "Trigger Type",
            type="select",
            default="Manual",
            options=tuple(SelectOption(value, value) for value in TRIGGER_TYPES),
        ),
        ConfigField(
            "scheduleCron",
            "Cron Expression",
            type="text",
            placeholder="0 9 * * 1-5",
            description="Minute, hour, day of month, month, day of week",
            show_when=ShowWhen("triggerType", "Schedule"),
        ),
        ConfigField(
            "scheduleTimezone",
            "Time Zone",
            type="text",
            placeholder="Europe/Berlin",
            description="An IANA time zone (default UTC)",
            show_when=ShowWhen("triggerType", "Schedule"),
        ),
        *WEBHOOK_FIELDS,
        ConfigField(
            "inputSchema",
            "Input Schema",
            type="schema-builder",
            description="The fields the workflow expects as input (optional)",
        ),
    ),
    run=run,
)
