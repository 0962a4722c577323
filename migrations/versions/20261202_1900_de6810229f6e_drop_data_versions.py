"""Drop the data versions: the page cache that read them is gone (memoised results are forgotten explicitly)

Revision ID: de6810229f6e
Revises: b3f19a7c2d40
Create Date: 2026-12-02 19:00:00

A downgrade recreates the table empty: every table is then at version 0, as when it was first made.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'de6810229f6e'
down_revision = 'b3f19a7c2d40'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('data_version')


def downgrade():
    op.create_table(
        'data_version',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_version')),
    )
