"""The DataSource Query node: reads rows (match filter, selected fields, sort, limit) as the
workflow's user, inside the transaction that records the step's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wayvo_app.core.errors import StepError
from wayvo_app.core.outcomes import Completed, Transactional
from wayvo_app.core.specs import ConfigField, NodeSpec, OutputField
from wayvo_app.datasources.registry import DataSource, query_data_source
from wayvo_app.engine.context import StepContext
from wayvo_app.nodes.datasource_common import (
    CATEGORY,
    acting_user,
    attribute_options,
    datasource_field,
    json_value,
    jsonable,
    resolve,
    validate_datasource,
)

JSON_KEYS = ("match", "select")


def _match(value: Any) -> list[dict[str, Any]] | None:
    """The match-builder's object (`{"status": "open", "total": {"gt": 5}}`) as a filter."""
    match = json_value(value, "Match")
    if match in (None, {}, []):
        return None
    if isinstance(match, Mapping):
        return [dict(match)]
    if isinstance(match, list):
        return match
    raise StepError(f"Match must be a JSON object of field: value pairs, found {match!r}")


def _select(value: Any, data_source: DataSource) -> list[str]:
    fields = json_value(value, "Select fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise StepError("Select fields must be a JSON array of field names")
    for name in fields:
        data_source.column(name)  # an unknown field fails the step, naming it
    return fields


async def run(ctx: StepContext, config: Mapping[str, Any]) -> Transactional:
    rendered = await ctx.off_loop(ctx.render_config, config, SPEC, JSON_KEYS)
    data_source = resolve(rendered)
    query = {"filter": _match(rendered.get("match")), "sort": rendered.get("sort") or None,
             "limit": rendered.get("limit")}
    fields = _select(rendered.get("select"), data_source)
    user = acting_user(ctx)

    def apply(session: Any) -> Completed:
        rows = query_data_source(session, user, data_source, **query).rows
        if fields:
            rows = [{name: row[name] for name in fields} for row in rows]
        return Completed({"rows": jsonable(rows), "count": len(rows)})

    return Transactional(apply)


SPEC = NodeSpec(
    action_type="DataSource Query",
    label="DataSource Query",
    description="Read rows of a DataSource, as the workflow's user.",
    category=CATEGORY,
    icon="database",
    config_fields=(
        datasource_field(),
        ConfigField(key="match", label="Match", type="match-builder", get_options=attribute_options,
                    options_dependency_keys=("datasourceId",),
                    description='Field: value pairs, all must match; a value may be {"gt": 5} '
                                "(operators is, isNot, in, gt, gte, lt, lte, contains)."),
        ConfigField(key="select", label="Select fields", type="multi-select",
                    placeholder="Select fields to return (empty = all)",
                    search_placeholder="Search attributes...", options_dependency_keys=("datasourceId",),
                    get_options=attribute_options),
        ConfigField(key="sort", label="Sort", type="text", placeholder="-startedAt, status",
                    description='Fields separated by commas; "-field" or "field desc" sorts descending.'),
        ConfigField(key="limit", label="Limit", type="number", min=1, placeholder="100"),
    ),
    output_fields=(
        OutputField("rows", "The matching rows"),
        OutputField("count", "How many rows were returned"),
    ),
    run=run,
    validate=validate_datasource,
)
