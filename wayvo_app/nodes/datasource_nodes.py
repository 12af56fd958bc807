"""The four DataSource nodes' specs, for the default registry."""

from __future__ import annotations

from wayvo_app.core.specs import NodeSpec
from wayvo_app.nodes import datasource_delete, datasource_insert, datasource_query, datasource_update

DATASOURCE_NODE_SPECS: list[NodeSpec] = [
    datasource_query.SPEC,
    datasource_insert.SPEC,
    datasource_update.SPEC,
    datasource_delete.SPEC,
]
