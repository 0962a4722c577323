"""An upload sent again is kept once: a unique key on application, purpose and bytes.

Revision ID: d3f1a8c6e920
Revises: b7c4e2a9d815
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d3f1a8c6e920"
down_revision = "b7c4e2a9d815"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Copies stored before the key existed (the same bytes for the same purpose): the first one stays.
    op.execute(sa.text(
        "DELETE FROM attachment WHERE id NOT IN (SELECT min(id) FROM attachment "
        "GROUP BY application_id, kind, coalesce(question_id, 0), sha256)"))
    op.create_index("uq_attachment_once", "attachment",
                    ["application_id", "kind", sa.text("coalesce(question_id, 0)"), "sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_attachment_once", table_name="attachment")
