"""API tokens remember the form that made them, so a reload cannot make a second one.

Revision ID: c4d8f2a6e913
Revises: a3c9e1f4b7d2
Create Date: 2026-11-28 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8f2a6e913'
down_revision = 'a3c9e1f4b7d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_api_token_user_id_request_key', ['user_id', 'request_key'])


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint('uq_api_token_user_id_request_key', type_='unique')
        batch_op.drop_column('request_key')
