"""Indexes for the office's application list (submission order), the ranking's check for changes and
the juror's list (newest first).

Revision ID: a3c9e1f4b7d2
Revises: 5b1e7c2d9a40
Create Date: 2026-11-28 01:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3c9e1f4b7d2'
down_revision = '5b1e7c2d9a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_call_id_submitted_at', ['call_id', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_application_call_id_updated_at', ['call_id', 'updated_at'], unique=False)
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_juror_id_created_at', ['juror_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_juror_id_created_at')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_call_id_updated_at')
        batch_op.drop_index('ix_application_call_id_submitted_at')
