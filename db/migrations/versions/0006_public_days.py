"""public_day: the State Council's holiday notice as the center entered it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('public_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('off', 'work', name='publicdaykind', native_enum=False, length=8), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('day')
    )


def downgrade() -> None:
    op.drop_table('public_day')
