"""where each execution came from (executions.origin) and the workspace list's index

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 09:10:00

Existing rows get the origin their columns still tell (retry, parent, schedule, webhook); the
others stay NULL: whether they came from the UI, the API or code was never recorded.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.create_index('ix_executions_workspace_started', ['workspace_id', 'started_at'], unique=False)
    op.execute("UPDATE executions SET origin = 'retry' WHERE retry_of_id IS NOT NULL")
    op.execute("UPDATE executions SET origin = 'parent' WHERE origin IS NULL AND parent_execution_id IS NOT NULL")
    op.execute("UPDATE executions SET origin = 'schedule' WHERE origin IS NULL AND trigger_type = 'Schedule'")
    op.execute("UPDATE executions SET origin = 'webhook' WHERE origin IS NULL AND trigger_type = 'Webhook'")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('executions', schema=None) as batch_op:
        batch_op.drop_index('ix_executions_workspace_started')
        batch_op.drop_column('origin')
