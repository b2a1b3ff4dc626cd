"""insurance_renewal table and call.lost_reason

续保 is recorded as a renewal (new expiry, insurer, 是否在本店续保) so the monthly 续保 figures
can count policies sold here; a 流失回访 call keeps why the customer stopped coming.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'insurance_renewal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('vehicle_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('old_expiry', sa.Date(), nullable=True),
        sa.Column('new_expiry', sa.Date(), nullable=False),
        sa.Column('insurer', sa.String(length=64), nullable=False),
        sa.Column('at_our_shop', sa.Boolean(), nullable=False),
        sa.Column('renewed_on', sa.Date(), nullable=False),
        sa.Column('clerk_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_insurance_renewal_customer_id'), 'insurance_renewal',
                    ['customer_id'], unique=False)
    op.create_index(op.f('ix_insurance_renewal_vehicle_id'), 'insurance_renewal',
                    ['vehicle_id'], unique=False)
    op.add_column('call', sa.Column('lost_reason', sa.String(length=16), nullable=False,
                                    server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('lost_reason')
    op.drop_index(op.f('ix_insurance_renewal_vehicle_id'), table_name='insurance_renewal')
    op.drop_index(op.f('ix_insurance_renewal_customer_id'), table_name='insurance_renewal')
    op.drop_table('insurance_renewal')
