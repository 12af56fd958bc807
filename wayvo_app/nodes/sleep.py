"""Sleep: pauses the execution for a duration or until a moment (a durable timer, not a process sleep)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed, SleepUntil
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField
from wayvo_app.core.times import parse_duration
from wayvo_app.nodes.fields import aware, is_empty, iso, render_text


def validate(config: Mapping[str, Any]) -> Iterator[str]:
    has_duration, has_until = not is_empty(config.get("duration")), not is_empty(config.get("until"))
    if has_duration and has_until:
        yield "set either a duration or an until time, not both"
    elif not has_duration and not has_until:
        yield "needs a duration (e.g. 30s, 5m) or an until time (ISO 8601)"
    elif has_until and "{{" not in str(config["until"]):
        try:
            parse_until(str(config["until"]))
        except ValueError as exc:
            yield str(exc)


def parse_until(text: str) -> datetime:
    """An ISO 8601 moment with an offset or Z."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f'until "{text}" must be an ISO 8601 time with an offset, e.g. 2025-01-31T09:00:00Z')
    return moment


def wake_time(ctx: Any, config: Mapping[str, Any]) -> datetime:
    for message in validate({key: config.get(key) for key in ("duration", "until")}):
        raise StepError(f"Sleep {message}", retryable=False)
    if not is_empty(config.get("duration")):
        text = render_text(ctx, config["duration"]).strip()
        try:
            return aware(ctx.now) + parse_duration(text)
        except ValueError as exc:
            raise StepError(f"Sleep duration: {exc}", retryable=False) from exc
    rendered = ctx.render(config["until"])
    if isinstance(rendered, datetime):
        return aware(rendered)
    try:
        return parse_until(str(rendered))
    except ValueError as exc:
        raise StepError(f"Sleep {exc}", retryable=False) from exc


def run(ctx: Any, config: dict[str, Any]) -> SleepUntil | Completed:
    until = wake_time(ctx, config)
    ctx.resolved_input = {key: config[key] for key in ("duration", "until") if not is_empty(config.get(key))}
    ctx.resolved_input["sleepUntil"] = iso(until)
    if until <= aware(ctx.now):
        return Completed({"sleptUntil": iso(ctx.now)})
    return SleepUntil(until)


def resume(ctx: Any, config: dict[str, Any], resolution: Any) -> Completed:
    """Woken up: `resolution` may carry the wake time ("until"); otherwise it is now."""
    until = resolution.get("until") if isinstance(resolution, Mapping) else None
    if isinstance(until, datetime):
        return Completed({"sleptUntil": iso(until)})
    return Completed({"sleptUntil": until if isinstance(until, str) and until else iso(ctx.now)})


SPEC = NodeSpec(
    action_type="Sleep",
    label="Sleep",
    description="Pause the workflow for a while or until a given time",
    category="Workflow Control",
    icon="timer",
    config_fields=(
        ConfigField("duration", "Duration", placeholder="30s, 5m, 24h, 7d",
                    description="How long to wait (leave empty to use Until)"),
        ConfigField("until", "Until", placeholder="2025-01-31T09:00:00Z",
                    description="An ISO 8601 time with an offset (leave empty to use Duration)"),
    ),
    output_fields=(OutputField("sleptUntil", "When the sleep ended (ISO 8601)"),),
    run=run,
    resume=resume,
    resume_inline=True,
    validate=validate,
)
