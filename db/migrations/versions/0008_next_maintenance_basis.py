"""vehicle.next_maintenance_basis and vehicle.next_maintenance_manual

下次保养期 is derived from the car's last maintenance visit and its cycle; the basis says how
("按 6 个月" / "按 5000 公里，日均 38 公里"). A date the clerk typed is kept (manual) until the
next maintenance visit. A date already stored on a car with no cycle could not have been
derived: it was typed, so it stays manual.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch (table copy) of vehicle would trip visit's foreign key.
    op.add_column('vehicle', sa.Column('next_maintenance_basis', sa.String(length=64),
                                       nullable=False, server_default=''))
    op.add_column('vehicle', sa.Column('next_maintenance_manual', sa.Boolean(),
                                       nullable=False, server_default=sa.text('0')))
    op.execute(
        "UPDATE vehicle SET next_maintenance_manual = 1 "
        "WHERE next_maintenance_date IS NOT NULL "
        "AND maintenance_cycle_months IS NULL AND maintenance_cycle_km IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_column('next_maintenance_manual')
        batch_op.drop_column('next_maintenance_basis')
