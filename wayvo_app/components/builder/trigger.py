"""What the trigger's panel shows besides its fields: the webhook URL with a ready curl line, or a
schedule's next fire times in its time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import croniter

from wayvo_app import routes
from wayvo_app.services.schedules import next_fires
from wayvo_app.settings import get_settings

_ZONES: list[dict[str, str]] = []


def time_zones() -> list[dict[str, str]]:
    if not _ZONES:
        _ZONES.extend({"value": z, "label": z} for z in sorted(available_timezones() - {"localtime"}))
    return _ZONES


def trigger_details(workflow_id: str, config: dict[str, Any], sample: dict[str, Any] | None = None,
                    now: datetime | None = None) -> dict[str, Any]:
    kind = str(config.get("triggerType") or "Manual")
    info: dict[str, Any] = {"type": kind, "url": "", "curl": "", "fires": [], "cronError": "", "zone": ""}
    if kind == "Webhook":
        url = get_settings().app_url.rstrip('/') + routes.webhook(workflow_id)
        body = json.dumps(sample or {"orderId": "A-1001", "amount": 250})
        info["url"] = url
        info["curl"] = (f"curl -X POST '{url}' \\\n  -H 'Authorization: Bearer <your wfb_ API key>' \\\n"
                        f"  -H 'Content-Type: application/json' \\\n  -d '{body}'")
    elif kind == "Schedule":
        cron = str(config.get("scheduleCron") or "").strip()
        zone = str(config.get("scheduleTimezone") or "").strip() or "UTC"
        info["zone"] = zone
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            info["cronError"] = f'"{zone}" is not a known time zone'
            return info
        if not cron:
            info["cronError"] = "Enter a cron expression, e.g. 0 9 * * 1-5 (9:00 on weekdays)"
        elif not croniter.is_valid(cron):
            info["cronError"] = f'"{cron}" is not a valid cron expression'
        else:
            fires = next_fires(cron, zone, now or datetime.now(UTC), 5)
            info["fires"] = [f"{f.astimezone(tz):%a %Y-%m-%d %H:%M} {zone}" for f in fires]
    return info
