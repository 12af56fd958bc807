"""The DataSource Insert node: inserts the configured row (hooks run) in the transaction that
records the step's outcome, so a crash never inserts twice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wayvo_app.engine.context import StepContext
from wayvo_app.engine.outcomes import Transactional
from wayvo_app.engine.specs import ConfigField, NodeSpec
from wayvo_app.nodes.datasource_common import (
    CATEGORY,
    ROWS_OUTPUT,
    datasource_field,
    validate_datasource,
    write_run,
)


async def run(ctx: StepContext, config: Mapping[str, Any]) -> Transactional:
    return await write_run(SPEC, ctx, config, "rows", "I")


SPEC = NodeSpec(
    action_type="DataSource Insert",
    label="DataSource Insert",
    description="Insert a row into a DataSource (its after_insert hook runs).",
    category=CATEGORY,
    icon="database",
    config_fields=(
        datasource_field(),
        ConfigField(key="rows", label="Record to insert", type="single-row-update",
                    single_row_mode="insert", required=True),
    ),
    output_fields=ROWS_OUTPUT,
    run=run,
    validate=validate_datasource,
)
