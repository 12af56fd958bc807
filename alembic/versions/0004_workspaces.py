"""workspaces: every object belongs to one; existing rows move to their owner's personal workspace

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:50:00

"""
import uuid
from datetime import datetime, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("workflows", "executions", "integrations", "api_keys", "approval_requests", "wait_events",
          "buffered_signals")
_ID = sqlmodel.sql.sqltypes.AutoString(length=36)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('workspaces',
    sa.Column('id', _ID, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('personal', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('workspace_members',
    sa.Column('id', _ID, nullable=False),
    sa.Column('workspace_id', _ID, nullable=False),
    sa.Column('user_id', _ID, nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'user_id', name='uq_workspace_members_pair')
    )
    with op.batch_alter_table('workspace_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workspace_members_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workspace_members_workspace_id'), ['workspace_id'], unique=False)

    # The indexes that gain workspace_id are dropped before the tables are rebuilt (SQLite batch
    # mode would otherwise copy the partial index without its WHERE clause).
    op.drop_index('uq_wait_events_waiting_key', table_name='wait_events')
    op.drop_index('ix_buffered_signals_key', table_name='buffered_signals')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('workspace_id', _ID, nullable=True))
    _backfill()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('workspace_id', existing_type=_ID, nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_workspace_id'), ['workspace_id'], unique=False)
            batch_op.create_foreign_key(f'fk_{table}_workspace_id', 'workspaces', ['workspace_id'], ['id'])
    op.create_index('uq_wait_events_waiting_key', 'wait_events', ['workspace_id', 'namespace', 'event_key'],
                    unique=True, sqlite_where=sa.text("status = 'waiting'"),
                    postgresql_where=sa.text("status = 'waiting'"))
    op.create_index('ix_buffered_signals_key', 'buffered_signals',
                    ['workspace_id', 'namespace', 'event_key', 'consumed_at'], unique=False)


def _backfill() -> None:
    """A personal workspace (the user its admin) for every user; every row moves into its
    owner's: workflows by owner, executions, approvals and waits through their workflow,
    keys, integrations and buffered signals by their user."""
    conn = op.get_bind()
    now = datetime.now(timezone.utc)
    users = conn.execute(sa.text("SELECT id, user_name, display_name FROM users ORDER BY created_at, id")).all()
    personal = {}
    stamp = sqlmodel.sql.sqltypes.UTCDateTime()  # typed columns, so the time is stored as the models store it
    workspaces = sa.table("workspaces", sa.column("id"), sa.column("name"), sa.column("personal", sa.Boolean()),
                          sa.column("created_at", stamp))
    members = sa.table("workspace_members", sa.column("id"), sa.column("workspace_id"), sa.column("user_id"),
                       sa.column("role"), sa.column("created_at", stamp))
    for user_id, user_name, display_name in users:
        personal[user_id] = str(uuid.uuid4())
        conn.execute(workspaces.insert().values(id=personal[user_id], name=(display_name or user_name)[:200],
                                                personal=True, created_at=now))
        conn.execute(members.insert().values(id=str(uuid.uuid4()), workspace_id=personal[user_id], user_id=user_id,
                                             role="admin", created_at=now))
    by_user = (("workflows", "owner_id"), ("integrations", "user_id"), ("api_keys", "user_id"),
               ("buffered_signals", "user_id"))
    for user_id, ws in personal.items():
        for table, column in by_user:
            conn.execute(sa.text(f"UPDATE {table} SET workspace_id = :ws WHERE {column} = :u"), {"ws": ws, "u": user_id})
    conn.execute(sa.text("UPDATE executions SET workspace_id = (SELECT w.workspace_id FROM workflows w "
                         "WHERE w.id = executions.workflow_id)"))
    conn.execute(sa.text("UPDATE approval_requests SET workspace_id = (SELECT w.workspace_id FROM workflows w "
                         "WHERE w.id = approval_requests.workflow_id)"))
    conn.execute(sa.text("UPDATE wait_events SET workspace_id = (SELECT e.workspace_id FROM executions e "
                         "WHERE e.id = wait_events.execution_id)"))
    # A buffered signal without a sender (none are written so, but the column allows it) goes to
    # the first user's workspace: before workspaces the first user owned the installation.
    if users:
        conn.execute(sa.text("UPDATE buffered_signals SET workspace_id = :ws WHERE workspace_id IS NULL"),
                     {"ws": personal[users[0][0]]})


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_buffered_signals_key', table_name='buffered_signals')
    op.drop_index('uq_wait_events_waiting_key', table_name='wait_events')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_workspace_id', type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_workspace_id'))
            batch_op.drop_column('workspace_id')
    op.create_index('ix_buffered_signals_key', 'buffered_signals', ['namespace', 'event_key', 'consumed_at'],
                    unique=False)
    op.create_index('uq_wait_events_waiting_key', 'wait_events', ['namespace', 'event_key'], unique=True,
                    sqlite_where=sa.text("status = 'waiting'"), postgresql_where=sa.text("status = 'waiting'"))
    with op.batch_alter_table('workspace_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workspace_members_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_workspace_members_user_id'))
    op.drop_table('workspace_members')
    op.drop_table('workspaces')
