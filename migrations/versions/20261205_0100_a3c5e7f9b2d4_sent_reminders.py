"""The record of scheduled reminders sent, one per (kind, target, stage)

Revision ID: a3c5e7f9b2d4
Revises: d3f1a8c6e920
Create Date: 2026-12-05 01:00:00

`flask reports remind` and `flask review remind` claim a row here before they mail: run twice, they send
nothing twice; a missed run is caught up by the next (mobility/core/reminders.py). Starts empty: a reminder
already sent before this revision may be sent once more.
"""
import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = 'a3c5e7f9b2d4'
down_revision = 'd3f1a8c6e920'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sent_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=80), nullable=False),
        sa.Column('sent_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_reminder')),
        sa.UniqueConstraint('kind', 'target_id', 'stage', name=op.f('uq_sent_reminder_kind_target_id_stage')),
    )


def downgrade():
    op.drop_table('sent_reminder')
