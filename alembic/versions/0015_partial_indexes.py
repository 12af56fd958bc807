"""fewer index entries on the hot tables: drop the redundant ones, make the rest partial

An UPDATE that changes an indexed column (a status) writes a new entry into every index of the
table, so each index a row is in costs every start, claim, finish and completion. Dropped:
ix_executions_workspace_id (the prefix of two composite indexes), ix_executions_updated_at (no
query orders or filters by it alone), ix_executions_status (the partial workspace_status index
serves the open-run counts) and ix_execution_steps_execution_id (the prefix of uq_steps_attempt).
Made partial: the parent links and completed_at (NULL on most rows), the running quota's index
(open runs only) and the claim's index (open steps only).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:40:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_PARTIAL = {
    # table: [(index, columns, where)]
    'executions': [
        ('ix_executions_workspace_status', ['workspace_id', 'status'], "status IN ('running', 'paused')"),
        ('ix_executions_parent_execution_id', ['parent_execution_id'], 'parent_execution_id IS NOT NULL'),
        ('ix_executions_parent_step_id', ['parent_step_id'], 'parent_step_id IS NOT NULL'),
        ('ix_executions_completed_at', ['completed_at'], 'completed_at IS NOT NULL'),
    ],
    'execution_steps': [
        ('ix_steps_due', ['status', 'run_at'], "status IN ('pending', 'waiting', 'running')"),
    ],
}
_DROPPED = {
    'executions': [('ix_executions_workspace_id', ['workspace_id']), ('ix_executions_updated_at', ['updated_at']),
                   ('ix_executions_status', ['status'])],
    'execution_steps': [('ix_execution_steps_execution_id', ['execution_id'])],
}


def upgrade() -> None:
    """Upgrade schema."""
    for table, indexes in _PARTIAL.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _columns, _where in indexes:
                batch_op.drop_index(name)
            for name, _columns in _DROPPED[table]:
                batch_op.drop_index(name)
        for name, columns, where in indexes:
            op.create_index(name, table, columns, unique=False,
                            postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    """Downgrade schema."""
    for table, indexes in _PARTIAL.items():
        for name, _columns, _where in indexes:
            op.drop_index(name, table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns, _where in indexes:
                batch_op.create_index(name, columns, unique=False)
            for name, columns in _DROPPED[table]:
                batch_op.create_index(name, columns, unique=False)
