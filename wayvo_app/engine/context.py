"""The context a step function receives: ids, the acting user, templates, HTTP, credentials, logs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, quote_plus

from wayvo_app.core import templates
from wayvo_app.core.specs import NodeSpec
from wayvo_app.engine.off_loop import render_off_loop

TEMPLATE_FIELD_TYPES = ("template-input", "template-textarea")
SECRET_MASK = "••••••"


def secret_forms(credentials: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The strings to hide for these credentials: each value (nested ones too) of 4 characters or
    more, and its URL-encoded form (a key sent in a query string); longest first."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif value is not None and not isinstance(value, bool) and len(str(value)) >= 4:
            found.update((str(value), quote(str(value), safe=""), quote_plus(str(value))))

    walk(credentials or {})
    return tuple(sorted(found, key=len, reverse=True))


def mask_secrets(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every secret replaced by the mask, in strings at any depth (keys too)."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, SECRET_MASK)
        return value
    if isinstance(value, Mapping):
        return {mask_secrets(k, secrets): mask_secrets(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_secrets(item, secrets) for item in value]
    return value


@dataclass
class StepLogger:
    """Collects a step's log lines; the executor stores them with the step's outcome."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    secrets: tuple[str, ...] = ()

    def _add(self, level: str, message: str) -> None:
        secrets = tuple(secret for secret in self.secrets if secret and len(secret) >= 4)
        self.lines.append((level, mask_secrets(message, secrets)[:4000]))

    def info(self, message: str) -> None:
        self._add("info", message)

    def warning(self, message: str) -> None:
        self._add("warn", message)

    def error(self, message: str) -> None:
        self._add("error", message)


@dataclass
class StepContext:
    execution_id: str
    workflow_id: str
    step_id: str
    node_id: str
    node_label: str
    attempt: int
    user_id: str
    user_name: str
    user_roles: tuple[str, ...]
    now: datetime
    scope: templates.TemplateScope
    trigger_input: Any
    http: Any = None  # an httpx.AsyncClient guarded against private addresses
    credentials: Mapping[str, Any] | None = None
    logger: StepLogger = field(default_factory=StepLogger)
    settings: Any = None
    resolved_input: dict[str, Any] | None = None
    resume: Any = None  # what resolved a pause (approval, event, child), when resuming

    @property
    def idempotency_key(self) -> str:
        """Stable across retries and recoveries of this node in this execution."""
        return f"{self.execution_id}:{self.node_id}"

    async def off_loop(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)`, code that renders this step's templates, run in a render thread so a slow
        template cannot block the worker's loop (async steps call this; sync ones run in a thread)."""
        return await render_off_loop(self.scope.budget, self.node_label, fn, *args)

    def render(self, value: Any) -> Any:
        return templates.render_value(value, self.scope, node_label=self.node_label)

    def render_json(self, value: Any) -> Any:
        return templates.render_json(value, self.scope, node_label=self.node_label)

    def evaluate(self, expression: str) -> bool:
        return templates.evaluate_condition(expression, self.scope, node_label=self.node_label)

    def render_config(self, config: Mapping[str, Any], spec: NodeSpec,
                      json_keys: tuple[str, ...] = ()) -> dict[str, Any]:
        """The config with template fields rendered (JSON-template keys parsed); recorded as
        the step's resolved input."""
        out: dict[str, Any] = {}
        for key, value in config.items():
            fld = spec.field(key)
            if key in json_keys:
                out[key] = self.render_json(value) if value not in (None, "") else None
            elif isinstance(value, str) and (fld is None or fld.type in TEMPLATE_FIELD_TYPES
                                             or fld.type in ("match-builder", "single-row-update")):
                out[key] = self.render(value)
            elif isinstance(value, (dict, list)) and fld is not None and fld.type in (
                    "match-builder", "single-row-update"):
                out[key] = self.render(value)
            else:
                out[key] = value
        self.resolved_input = out
        return out
