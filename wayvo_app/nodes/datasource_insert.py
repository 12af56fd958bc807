"""The DataSource Insert node: inserts the configured row (hooks run) in the transaction that
records the step's outcome, so a crash never inserts twice."""

from wayvo_app.nodes.datasource_common import write_node_spec

SPEC = write_node_spec("DataSource Insert", "Insert a row into a DataSource (its after_insert hook runs).",
                       key="rows", mode="insert", status="I", field_label="Record to insert")
run = SPEC.run
