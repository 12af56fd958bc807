"""A trigger's input checked against its input schema (the schema-builder field, a JSON schema)
when execute, a webhook, application code or Trigger Workflow starts the workflow."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from wayvo_app.core.errors import BadRequestError, Problem, ValidationError

MAX_PROBLEMS = 50  # a huge wrong input is answered with its first problems, not megabytes of them


def schema_of(trigger_config: dict[str, Any]) -> dict[str, Any] | None:
    """The trigger's input schema, or None when it declares none."""
    raw = trigger_config.get("inputSchema")
    if isinstance(raw, str):
        if not raw.strip():
            return None
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BadRequestError(f"The trigger's input schema (inputSchema) is not JSON: {exc}") from exc
    return raw if isinstance(raw, dict) and raw else None


def check_input(trigger_config: dict[str, Any], value: Any) -> None:
    """Raise ValidationError naming every field of `value` that the schema refuses."""
    schema = schema_of(trigger_config)
    if schema is None:
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise BadRequestError(f"The trigger's input schema (inputSchema) is not valid: {exc.message}") from exc
    problems = input_problems(schema, value if value is not None else {})
    if problems:
        raise ValidationError(problems)


def input_problems(schema: dict[str, Any], value: Any) -> list[Problem]:
    """One problem per refused field (`a.b: message`); a missing required field is named too."""
    validator = Draft202012Validator(schema)
    found: dict[tuple[str, str], Problem] = {}
    for error in sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]):
        path = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    field = f"{path}.{name}" if path else str(name)
                    found.setdefault((field, "required"), Problem(f"{field}: is required", None, field))
            continue
        field = path or "input"
        found.setdefault((field, error.message), Problem(f"{field}: {error.message}", None, field))
        if len(found) >= MAX_PROBLEMS:
            break
    return list(found.values())[:MAX_PROBLEMS]
