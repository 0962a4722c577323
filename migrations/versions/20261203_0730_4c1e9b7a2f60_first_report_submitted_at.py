"""Calls remember when their first final report was submitted (their report questions freeze then)

Revision ID: 4c1e9b7a2f60
Revises: de6810229f6e
Create Date: 2026-12-03 07:30:00

Like `first_submission_at` for applications: the calls module reads its own column instead of asking the
reports module (which builds on calls). Filled from the reports already submitted.
"""
import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = '4c1e9b7a2f60'
down_revision = 'de6810229f6e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call') as batch_op:
        batch_op.add_column(sa.Column('first_report_submitted_at', mobility.db.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute(
        'UPDATE "call" SET first_report_submitted_at = ('
        ' SELECT MIN(final_report.submitted_at) FROM final_report'
        ' JOIN "grant" ON "grant".id = final_report.grant_id'
        ' WHERE "grant".call_id = "call".id AND final_report.submitted_at IS NOT NULL)')


def downgrade():
    with op.batch_alter_table('call') as batch_op:
        batch_op.drop_column('first_report_submitted_at')
