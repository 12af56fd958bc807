"""retention: tombstones of pruned executions, a per-workflow retention, and the indexes that let
the pruner find old rows without scanning the tables

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 09:10:08.495938

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('pruned_executions',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('workflow_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('pruned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pruned_executions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pruned_executions_pruned_at'), ['pruned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pruned_executions_workflow_id'), ['workflow_id'], unique=False)

    with op.batch_alter_table('buffered_signals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buffered_signals_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_outbox_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_outbox_execution_id'), ['execution_id'], unique=False)

    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_executions_completed_at'), ['completed_at'], unique=False)

    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_records_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('workflows', schema=None) as batch_op:
        batch_op.drop_column('retention_days')

    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_records_created_at'))

    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_executions_completed_at'))

    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_outbox_execution_id'))
        batch_op.drop_index(batch_op.f('ix_email_outbox_created_at'))

    with op.batch_alter_table('buffered_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buffered_signals_expires_at'))

    with op.batch_alter_table('pruned_executions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pruned_executions_workflow_id'))
        batch_op.drop_index(batch_op.f('ix_pruned_executions_pruned_at'))

    op.drop_table('pruned_executions')
