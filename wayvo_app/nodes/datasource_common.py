"""What the four DataSource nodes share: the DataSource picker, attribute options, the acting user,
JSON config values, and the transactional write (applied with the step's recorded outcome)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from wayvo_app.core.errors import StepError, WorkflowError
from wayvo_app.core.outcomes import Completed, Transactional
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField, SelectOption
from wayvo_app.datasources.registry import (
    DataSource,
    data_source_attributes,
    get_data_source,
    save_data_source,
)
from wayvo_app.engine.context import StepContext
from wayvo_app.services.accounts import Principal

DATASOURCE_KEY = "datasourceId"
CATEGORY = "DataSource"
ROWS_OUTPUT = (OutputField("rows", "The rows the DataSource's hooks returned"),)


def datasource_field() -> ConfigField:
    return ConfigField(key=DATASOURCE_KEY, label="DataSource", type="combobox", required=True,
                       options_source="datasources", placeholder="Select a DataSource",
                       search_placeholder="Search DataSources...")


def attribute_options(config: Mapping[str, Any] | None) -> list[SelectOption]:
    """The selected DataSource's fields as options (none until one is selected)."""
    name = str((config or {}).get(DATASOURCE_KEY) or "")
    if not name:
        return []
    try:
        return [SelectOption(code, label) for code, label in data_source_attributes(name)]
    except WorkflowError:
        return []


def validate_datasource(config: Mapping[str, Any]) -> list[str]:
    """Save-time check: a literal DataSource name must be registered."""
    name = config.get(DATASOURCE_KEY)
    if not isinstance(name, str) or not name or "{{" in name:
        return []
    try:
        get_data_source(name)
    except WorkflowError:
        return [f'DataSource "{name}" not found']
    return []


def acting_user(ctx: StepContext) -> Principal:
    """The workflow's user, as the DataSource functions and hooks see it."""
    return Principal(id=ctx.user_id, user_name=ctx.user_name, display_name=ctx.user_name, email=None,
                     roles=tuple(ctx.user_roles or ()))


def resolve(config: Mapping[str, Any]) -> DataSource:
    name = config.get(DATASOURCE_KEY)
    if not isinstance(name, str) or not name.strip():
        raise StepError("DataSource: no DataSource is selected")
    try:
        return get_data_source(name.strip())
    except WorkflowError as exc:
        raise StepError(exc.message)


def json_value(value: Any, label: str) -> Any:
    """A JSON field as stored by the builder (text) or already parsed."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise StepError(f"{label} must be JSON: {exc.msg} at position {exc.pos}")
    return value


def jsonable(value: Any) -> Any:
    """Rows as JSON values (times as ISO 8601), so later nodes and the viewer can read them."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID):
        return str(value)
    return value


def _rows(value: Any, label: str, status: str) -> list[dict[str, Any]]:
    parsed = json_value(value, label)
    items = [parsed] if isinstance(parsed, Mapping) else parsed
    if not isinstance(items, list) or not items or not all(isinstance(r, Mapping) for r in items):
        raise StepError(f"{label} must be a JSON object or an array of objects, found {json.dumps(parsed)}")
    return [{**row, "_status": status} for row in items]


async def write_run(spec: NodeSpec, ctx: StepContext, config: Mapping[str, Any], key: str,
                    status: str) -> Transactional:
    """Render now; write (and run the hooks) when the executor records the step's outcome."""
    rendered = await ctx.off_loop(ctx.render_config, config, spec, (key,))
    data_source = resolve(rendered)
    rows = _rows(rendered.get(key), spec.field(key).label if spec.field(key) else key, status)
    user = acting_user(ctx)

    def apply(session: Any) -> Completed:
        return Completed({"rows": jsonable(save_data_source(session, user, data_source, rows))})

    return Transactional(apply)


def write_node_spec(action_type: str, description: str, *, key: str, mode: str, status: str,
                    field_label: str) -> NodeSpec:
    """The spec of a DataSource write node (Insert, Update, Delete): one `single-row-update` field
    in the product document's mode, written through `write_run`."""

    async def run(ctx: StepContext, config: Mapping[str, Any]) -> Transactional:
        return await write_run(spec, ctx, config, key, status)

    spec = NodeSpec(
        action_type=action_type, label=action_type, description=description, category=CATEGORY,
        icon="database", output_fields=ROWS_OUTPUT, run=run, validate=validate_datasource,
        config_fields=(datasource_field(),
                       ConfigField(key=key, label=field_label, type="single-row-update",
                                   single_row_mode=mode, required=True)),
    )
    return spec
