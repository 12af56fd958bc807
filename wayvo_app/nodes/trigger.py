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
        ConfigField(
            "inputSchema",
            "Input Schema",
            type="schema-builder",
            description="The fields the workflow expects as input (optional)",
        ),
    ),
    run=run,
)
