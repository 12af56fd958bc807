"""The DataSource Update node: updates the row with the configured primary key (hooks run)
in the transaction that records the step's outcome, so a crash never updates twice."""

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
    return await write_run(SPEC, ctx, config, "row", "U")


SPEC = NodeSpec(
    action_type="DataSource Update",
    label="DataSource Update",
    description="Update a row of a DataSource by primary key (its after_update hook runs).",
    category=CATEGORY,
    icon="database",
    config_fields=(
        datasource_field(),
        ConfigField(key="row", label="Record to update", type="single-row-update",
                    single_row_mode="update", required=True),
    ),
    output_fields=ROWS_OUTPUT,
    run=run,
    validate=validate_datasource,
)
