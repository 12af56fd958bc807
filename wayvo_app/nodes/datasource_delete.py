"""The DataSource Delete node: deletes the row with the configured primary key (hooks run)
in the transaction that records the step's outcome, so a crash never deletes twice."""

from wayvo_app.nodes.datasource_common import write_node_spec

SPEC = write_node_spec("DataSource Delete",
                       "Delete a row of a DataSource by primary key (its after_delete hook runs).",
                       key="rows", mode="delete", status="D", field_label="Record to delete")
run = SPEC.run
