"""The DataSource Query node: reads rows (match filter, selected fields, sort, limit) as the
workflow's user, inside the transaction that records the step's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wayvo_app.core.errors import StepError
from wayvo_app.core.limits import get_quotas, query_limit_problem
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
from wayvo_app.nodes.fields import maybe_render

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


def _rendered(ctx: StepContext, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config rendered (in a render thread), the Limit too: a number field may hold a template."""
    rendered = ctx.render_config(config, SPEC, json_keys=JSON_KEYS)
    rendered["limit"] = maybe_render(ctx, rendered.get("limit"))
    return rendered


def _limit(value: Any) -> tuple[Any, int]:
    """The rendered Limit (None when empty) and the most rows one step may read."""
    bound = get_quotas().max_query_limit
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, bound
    try:
        problem = query_limit_problem(float(value)) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        problem = None  # not a number: query_data_source says so
    if problem:
        raise StepError(f"Limit {problem}")
    return value, bound


def validate(config: Mapping[str, Any]) -> list[str]:
    """Save-time checks: the DataSource exists, and a literal Limit is within WAYVO_MAX_QUERY_LIMIT."""
    problems = validate_datasource(config)
    value = config.get("limit")
    if isinstance(value, int | float | str) and not isinstance(value, bool) and "{{" not in str(value):
        try:
            problem = query_limit_problem(float(value))
        except ValueError:
            problem = None  # reported by the number field's own check
        if problem:
            problems.append(f'field "Limit" (limit) {problem}')
    return problems


async def run(ctx: StepContext, config: Mapping[str, Any]) -> Transactional:
    rendered = await ctx.off_loop(_rendered, ctx, config)
    data_source = resolve(rendered)
    limit, bound = _limit(rendered.get("limit"))
    query = {"filter": _match(rendered.get("match")), "sort": rendered.get("sort") or None,
             "limit": limit if limit is not None else bound + 1}
    fields = _select(rendered.get("select"), data_source)
    user = acting_user(ctx)

    def apply(session: Any) -> Completed:
        rows = query_data_source(session, user, data_source, **query).rows
        if len(rows) > bound:
            raise StepError(f"DataSource Query matched more than {bound} rows: set a Limit of at most {bound} "
                            "(WAYVO_MAX_QUERY_LIMIT) or match fewer rows")
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
    validate=validate,
)
