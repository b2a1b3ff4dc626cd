"""customer_summary: the archive list's read model

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

The rows are filled by app.store after the upgrade (the search keys need pypinyin, which
belongs to the domain layer, not to a migration).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_summary',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('archive_no', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=80), nullable=False),
    sa.Column('plates', sa.String(length=200), nullable=False),
    sa.Column('models', sa.String(length=200), nullable=False),
    sa.Column('next_maintenance_date', sa.Date(), nullable=True),
    sa.Column('clerk_name', sa.String(length=64), nullable=False),
    sa.Column('last_visit_date', sa.Date(), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id')
    )
    with op.batch_alter_table('customer_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_summary_archive_no'), ['archive_no'], unique=False)
        batch_op.create_index('ix_customer_summary_search', ['deleted', 'archive_no', 'search_text'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("customer_summary", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_summary_search")
        batch_op.drop_index(batch_op.f("ix_customer_summary_archive_no"))
    op.drop_table("customer_summary")
