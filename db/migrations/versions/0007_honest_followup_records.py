"""call.score (CSI); task.close_note; customer_request.source and close_note

Follow-up tasks marked done before this release with no call behind them are labelled
closed-without-call, so the figures stop counting them as calls made.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score', sa.Integer(), nullable=True))
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('close_note', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('customer_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('close_note', sa.Text(), nullable=False, server_default=''))
    op.execute(
        "UPDATE task SET closed_reason = 'no_call:legacy' "
        "WHERE status = 'done' AND closed_reason = '' "
        "AND kind IN ('first_followup', 'second_followup') "
        "AND NOT EXISTS (SELECT 1 FROM call WHERE call.task_id = task.id "
        "AND call.reached = 1 AND call.deleted_at IS NULL) "
        "AND NOT EXISTS (SELECT 1 FROM task AS r JOIN call ON call.task_id = r.id "
        "WHERE r.parent_task_id = task.id AND call.reached = 1 AND call.deleted_at IS NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table('customer_request', schema=None) as batch_op:
        batch_op.drop_column('close_note')
        batch_op.drop_column('source')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('close_note')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('score')
