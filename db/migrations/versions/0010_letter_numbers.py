"""letter.letter_no: every letter's 编号 (2026-0001), numbered per year

The number is printed on the letter and shown in the letter register, so a letter on paper
and its line in the register name each other. Letters already registered are numbered here,
per year of their 发函日期 in the order they were sent, and each year's counter is set past
them, so no number is handed out twice.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

COUNTER = 'letter_no.{year}'  # app.letters.LETTER_COUNTER


def upgrade() -> None:
    op.add_column('letter', sa.Column('letter_no', sa.String(length=16), nullable=True))
    conn = op.get_bind()
    last: dict[str, int] = {}
    rows = conn.execute(sa.text('SELECT id, sent_on FROM letter ORDER BY sent_on, id')).all()
    for letter_id, sent_on in rows:
        year = str(sent_on)[:4]
        last[year] = last.get(year, 0) + 1
        conn.execute(sa.text('UPDATE letter SET letter_no = :no WHERE id = :id'),
                     {'no': f'{year}-{last[year]:04d}', 'id': letter_id})
    for year, n in last.items():
        conn.execute(sa.text('INSERT INTO counter (name, last_value) VALUES (:name, :n)'),
                     {'name': COUNTER.format(year=year), 'n': n})
    op.create_index(op.f('ix_letter_letter_no'), 'letter', ['letter_no'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_letter_letter_no'), table_name='letter')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('letter_no')
    op.execute("DELETE FROM counter WHERE name LIKE 'letter_no.%'")
