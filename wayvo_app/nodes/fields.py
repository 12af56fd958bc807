"""Reading config fields inside node steps: rendered text, choices, flags, JSON objects, expiries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from wayvo_app.core.errors import StepError
from wayvo_app.core.specs import SelectOption
from wayvo_app.core.times import aware, parse_duration

TRUE_FALSE = (SelectOption("true", "Yes"), SelectOption("false", "No"))
ERROR_CONTINUE = (
    SelectOption("error", "Stop the workflow (error)"),
    SelectOption("continue", "Continue anyway"),
)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def render_text(ctx: Any, value: Any) -> str:
    """A template rendered to text ("" when empty); a non-text value becomes JSON text."""
    if is_empty(value):
        return ""
    rendered = ctx.render(value)
    if rendered is None:
        return ""
    if isinstance(rendered, str):
        return rendered
    if isinstance(rendered, int | float) and not isinstance(rendered, bool):
        return str(rendered)
    return json.dumps(rendered, default=str)


def maybe_render(ctx: Any, value: Any) -> Any:
    """A plain (non-template) field's value, rendered only when it holds a template."""
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return ctx.render(value)
    return value


def choice(value: Any, options: tuple[SelectOption, ...], default: str, name: str) -> str:
    """A select field's value (the default when empty), checked against its options."""
    if is_empty(value):
        return default
    text = str(value).strip().lower() if isinstance(value, bool) else str(value).strip()
    allowed = [option.value for option in options]
    if text not in allowed:
        raise StepError(f'{name} must be one of {", ".join(allowed)}, found "{value}"', retryable=False)
    return text


def flag(value: Any, name: str, default: bool = False) -> bool:
    """A "true"/"false" select (or a JSON boolean)."""
    if isinstance(value, bool):
        return value
    return choice(value, TRUE_FALSE, "true" if default else "false", name) == "true"


def render_object(ctx: Any, value: Any, name: str) -> dict[str, Any]:
    """A JSON-template field that must render to an object ({} when empty)."""
    if is_empty(value):
        return {}
    rendered = ctx.render_json(value)
    if rendered is None:
        return {}
    if not isinstance(rendered, dict):
        raise StepError(f"{name} must be a JSON object, found {type(rendered).__name__}", retryable=False)
    return rendered


def iso(moment: datetime) -> str:
    return aware(moment).astimezone(UTC).isoformat()


def expires_at(ctx: Any, value: Any, name: str = "expiresIn") -> datetime | None:
    """`ctx.now` plus a rendered duration (7d, 24h, 30m), or None when the field is empty."""
    text = render_text(ctx, value).strip()
    if not text:
        return None
    try:
        return aware(ctx.now) + parse_duration(text)
    except ValueError as exc:
        raise StepError(f"{name}: {exc}", retryable=False) from exc
