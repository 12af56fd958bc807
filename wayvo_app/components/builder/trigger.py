"""What the trigger's panel shows besides its fields: the webhook's secret URL with a ready curl line, or a
schedule's next fire times in its time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import croniter

from wayvo_app import routes
from wayvo_app.core.webhook_signatures import DEFAULT_HEADERS
from wayvo_app.services.schedules import next_fires
from wayvo_app.settings import get_settings

_ZONES: list[dict[str, str]] = []


def time_zones() -> list[dict[str, str]]:
    if not _ZONES:
        _ZONES.extend({"value": z, "label": z} for z in sorted(available_timezones() - {"localtime"}))
    return _ZONES


def _signature_line(config: dict[str, Any]) -> str:
    style = str(config.get("webhookSignature") or "none")
    if style not in DEFAULT_HEADERS:
        return ""
    header = str(config.get("webhookSignatureHeader") or "").strip() or DEFAULT_HEADERS[style]
    value = "sha256=<hex HMAC of the body>" if style == "sha256" else "t=<unix time>,v1=<hex HMAC of t.body>"
    return f"  -H '{header}: {value}' \\\n"


def trigger_details(workflow_id: str, config: dict[str, Any], sample: dict[str, Any] | None = None,
                    now: datetime | None = None, hook_url: str = "") -> dict[str, Any]:
    """`hook_url`: the trigger's secret URL (services/webhooks.py), shown with a ready curl line;
    `keyUrl` is the older route that takes an API key instead."""
    kind = str(config.get("triggerType") or "Manual")
    info: dict[str, Any] = {"type": kind, "url": "", "curl": "", "fires": [], "cronError": "", "zone": "",
                            "keyUrl": ""}
    if kind == "Webhook":
        body = json.dumps(sample or {"orderId": "A-1001", "amount": 250})
        info["url"] = hook_url
        info["keyUrl"] = get_settings().app_url.rstrip('/') + routes.webhook(workflow_id)
        info["curl"] = (f"curl -X POST '{hook_url or info['keyUrl']}' \\\n" + _signature_line(config)
                        + f"  -H 'Content-Type: application/json' \\\n  -d '{body}'")
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
