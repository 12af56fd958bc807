"""The DataSource Update node: updates the row with the configured primary key (hooks run) in
the transaction that records the step's outcome, so a crash never applies it twice."""

from wayvo_app.nodes.datasource_common import write_node_spec

SPEC = write_node_spec("DataSource Update",
                       "Update a row of a DataSource by primary key (its after_update hook runs).",
                       key="row", mode="update", status="U", field_label="Record to update")
run = SPEC.run
