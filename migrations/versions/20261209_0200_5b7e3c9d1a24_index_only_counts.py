"""Counts read from indexes alone: the report desk's states and a juror's progress

Revision ID: 5b7e3c9d1a24
Revises: b6d2f4a8c0e1
Create Date: 2026-12-09 02:00:00

The report desk counts every accepted grant of the viewer's programmes by the state of its report (15,000
grants and 10,000 reports in bench/pages.py's data): with these indexes PostgreSQL merges the two in grant
order from the indexes alone, without reading or hashing either table (18 ms → 10 ms). A juror's list
counts their assignments and submitted reviews per call (941 assignments): 5.5 ms → 2.5 ms.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b7e3c9d1a24'
down_revision = 'b6d2f4a8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_grant_status_id", "grant", ["status", "id", "call_id", "end_date"])
    op.create_index("ix_final_report_grant_status", "final_report", ["grant_id", "status", "id"])
    op.create_index("ix_assignment_juror_progress", "assignment", ["juror_id", "call_id", "status", "id"])
    op.create_index("ix_review_assignment_status", "review", ["assignment_id", "status"])


def downgrade():
    op.drop_index("ix_review_assignment_status", table_name="review")
    op.drop_index("ix_assignment_juror_progress", table_name="assignment")
    op.drop_index("ix_final_report_grant_status", table_name="final_report")
    op.drop_index("ix_grant_status_id", table_name="grant")
