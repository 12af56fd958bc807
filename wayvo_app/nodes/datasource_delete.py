"""The DataSource Delete node: deletes the row with the configured primary key (hooks run)
in the transaction that records the step's outcome, so a crash never deletes twice."""

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
    return await write_run(SPEC, ctx, config, "rows", "D")


SPEC = NodeSpec(
    action_type="DataSource Delete",
    label="DataSource Delete",
    description="Delete a row of a DataSource by primary key (its after_delete hook runs).",
    category=CATEGORY,
    icon="database",
    config_fields=(
        datasource_field(),
        ConfigField(key="rows", label="Record to delete", type="single-row-update",
                    single_row_mode="delete", required=True),
    ),
    output_fields=ROWS_OUTPUT,
    run=run,
    validate=validate_datasource,
)
