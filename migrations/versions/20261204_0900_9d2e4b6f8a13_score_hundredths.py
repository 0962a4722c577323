"""Reviews and consensus reports keep their scores in hundredths beside the JSON, for the ranking

Revision ID: 9d2e4b6f8a13
Revises: 4c1e9b7a2f60
Create Date: 2026-12-04 09:00:00

`score_hundredths` is "<criterion id>:<hundredths>" by criterion id, separated by spaces ("12:450 13:300"
for {"12": "4.5", "13": "3"}): the ranking reads integers instead of having the database parse each
review's JSON and cast it to NUMERIC. Filled from the scores already stored (the function below is a copy
of mobility.review.models.scores_in_hundredths as it is at this revision).
"""
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9d2e4b6f8a13'
down_revision = '4c1e9b7a2f60'
branch_labels = None
depends_on = None

TABLES = ('review', 'consensus_report')
BATCH = 1000


def _in_hundredths(scores) -> str:
    pairs = sorted((int(key), int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP)))
                   for key, value in (scores or {}).items() if value not in (None, ''))
    return ' '.join(f'{criterion}:{hundredths}' for criterion, hundredths in pairs)


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name) as batch_op:
            batch_op.add_column(sa.Column('score_hundredths', sa.Text(), server_default='', nullable=False))
    bind = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column('id', sa.Integer()), sa.column('scores', sa.JSON()),
                         sa.column('score_hundredths', sa.Text()))
        rows = [{'row_id': i, 'compact': _in_hundredths(scores)}
                for i, scores in bind.execute(sa.select(table.c.id, table.c.scores).order_by(table.c.id))]
        rows = [row for row in rows if row['compact']]
        update = (sa.update(table).where(table.c.id == sa.bindparam('row_id'))
                  .values(score_hundredths=sa.bindparam('compact')))
        for start in range(0, len(rows), BATCH):
            bind.execute(update, rows[start:start + BATCH])


def downgrade():
    for name in reversed(TABLES):
        with op.batch_alter_table(name) as batch_op:
            batch_op.drop_column('score_hundredths')
