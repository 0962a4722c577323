"""A file removed from a reopened application is kept until the application is submitted again

Revision ID: e1b7c3d9a2f4
Revises: c4d8e2a6f913
Create Date: 2026-12-08 01:00:00

An application reopened before the deadline and not submitted again is reviewed as it was last submitted
(applications.services.restore_last_submission). A file of that submission removed from the draft meanwhile
is only marked removed, so that version can be restored whole; submitting again deletes it.
"""
import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = 'e1b7c3d9a2f4'
down_revision = 'c4d8e2a6f913'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on every backend: SQLite's batch mode would rebuild the table and trip over the
    # expression index uq_attachment_once.
    op.add_column("attachment", sa.Column("removed_at", mobility.db.UTCDateTime(), nullable=True))


def downgrade():
    # DROP COLUMN exists natively in SQLite since 3.35 (the column has no index).
    op.execute("ALTER TABLE attachment DROP COLUMN removed_at")
