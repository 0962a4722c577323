"""Review a jury can trust: the same-city conflict rule per call, full translations of an application

Revision ID: b7c4e2a9d815
Revises: a7c3e9f1b254
Create Date: 2026-12-05 03:00:00

`call.same_city_conflict`: a juror living in the applicant's city has a conflict of interest unless the
call turns it off (on for every call, the ones already running included).
`application.translations`: full translations (title and answers, by whom) the applicant supplied.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7c4e2a9d815'
down_revision = 'a7c3e9f1b254'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call') as batch_op:
        batch_op.add_column(sa.Column('same_city_conflict', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('application') as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('application') as batch_op:
        batch_op.drop_column('translations')
    with op.batch_alter_table('call') as batch_op:
        batch_op.drop_column('same_city_conflict')
