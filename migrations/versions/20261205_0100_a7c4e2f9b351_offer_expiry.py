"""Grant offers expire: a period per call, the date each offer expires, and the `expired` grant status

Revision ID: a7c4e2f9b351
Revises: 9d2e4b6f8a13
Create Date: 2026-12-05 01:00:00

Existing calls get 30 days; offers already sent have no expiry date (they wait, as before, until the office
acts), new ones get theirs when the decision letter or the promotion mail is sent.
"""
import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = 'a7c4e2f9b351'
down_revision = '9d2e4b6f8a13'
branch_labels = None
depends_on = None

OLD = ('offered', 'accepted', 'declined')
NEW = OLD + ('expired',)


def _status_check(values) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_days', sa.Integer(), nullable=False, server_default='30'))
        batch_op.create_check_constraint('offer_days_range', 'offer_days BETWEEN 1 AND 365')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.alter_column('offer_days', server_default=None)
    with op.batch_alter_table('grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_expires_at', mobility.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('grant_status', type_='check')
        batch_op.create_check_constraint('grant_status', _status_check(NEW))


def downgrade():
    op.execute("""UPDATE "grant" SET status = 'declined' WHERE status = 'expired'""")
    with op.batch_alter_table('grant', schema=None) as batch_op:
        batch_op.drop_constraint('grant_status', type_='check')
        batch_op.create_check_constraint('grant_status', _status_check(OLD))
        batch_op.drop_column('offer_expires_at')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_constraint('offer_days_range', type_='check')
        batch_op.drop_column('offer_days')
