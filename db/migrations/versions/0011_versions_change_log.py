"""customer/vehicle/visit.version and change_log

A save made on an older read of a customer, car or visit is refused instead of silently undoing
another desk's change (version); every change a person makes is kept field by field
(change_log: who, when, old → new), so a deletion's author survives its restore.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('customer', 'vehicle', 'visit'):
        # plain ADD COLUMN: a batch (table copy) would trip the foreign keys pointing here
        op.add_column(table, sa.Column('version', sa.Integer(), nullable=False,
                                       server_default='1'))
    op.create_table(
        'change_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('table_name', sa.String(length=32), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=12), nullable=False),
        sa.Column('field', sa.String(length=48), nullable=False),
        sa.Column('old_value', sa.Text(), nullable=False),
        sa.Column('new_value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_change_log_customer', 'change_log', ['customer_id', 'at'], unique=False)
    op.create_index('ix_change_log_record', 'change_log', ['table_name', 'record_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_change_log_record', table_name='change_log')
    op.drop_index('ix_change_log_customer', table_name='change_log')
    op.drop_table('change_log')
    for table in ('visit', 'vehicle', 'customer'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
