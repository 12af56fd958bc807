"""API-key scopes and expiry (contract §7)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:50:00

Keys made before scopes existed keep working as before: they get every scope.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ALL_SCOPES = '["execute", "signal", "approve", "manage"]'


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Existing keys acted with every right of their creator: they keep all four scopes.
    op.execute(f"UPDATE api_keys SET scopes = '{ALL_SCOPES}'")  # an untyped literal: JSON on PostgreSQL too
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.alter_column('scopes', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scopes')
