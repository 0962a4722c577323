"""Data versions: a number per table, raised by every commit that writes it (the page cache reads them)

Revision ID: b3f19a7c2d40
Revises: e7b2d5c1a9f0
Create Date: 2026-11-28 07:00:00

Starts empty: a table not listed is at version 0, and the first write lists it. The ranking no longer
reads when the applications of a call last changed, so that index goes. A user's last sign-in time is
no longer written on the user's row (it is each session's creation time): a downgrade restores it so.
"""
from alembic import op
import sqlalchemy as sa

import mobility.db


# revision identifiers, used by Alembic.
revision = 'b3f19a7c2d40'
down_revision = 'e7b2d5c1a9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_version',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_version')),
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_call_id_updated_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_at')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_sign_in_at', mobility.db.UTCDateTime(timezone=True), nullable=True))
    op.execute('UPDATE "user" SET last_sign_in_at = '
               '(SELECT max(created_at) FROM user_session WHERE user_session.user_id = "user".id)')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_call_id_updated_at', ['call_id', 'updated_at'], unique=False)
    op.drop_table('data_version')
