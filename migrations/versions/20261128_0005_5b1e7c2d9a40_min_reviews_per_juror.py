"""Minimum number of applications per juror in an assignment run.

Revision ID: 5b1e7c2d9a40
Revises: 79442b4ff6ad
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c2d9a40'
down_revision = '79442b4ff6ad'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_reviews_per_juror', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('min_reviews_per_juror')
