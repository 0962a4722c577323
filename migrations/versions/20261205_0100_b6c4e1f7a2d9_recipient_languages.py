"""Every person in their own language: the language of a host and of an invited team member without an
account (the applicant chooses it), and the consensus feedback in the applicant's language beside English

Revision ID: b6c4e1f7a2d9
Revises: a7c4e2f9b351
Create Date: 2026-12-05 01:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b6c4e1f7a2d9'
down_revision = 'a7c4e2f9b351'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application') as batch_op:
        batch_op.add_column(sa.Column('host_locale', sa.String(length=16), server_default='en', nullable=False))
    with op.batch_alter_table('team_member') as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), server_default='en', nullable=False))
    with op.batch_alter_table('consensus_report') as batch_op:
        batch_op.add_column(sa.Column('translation_locale', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('comments_translation', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('summary_translation', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('consensus_report') as batch_op:
        batch_op.drop_column('summary_translation')
        batch_op.drop_column('comments_translation')
        batch_op.drop_column('translation_locale')
    with op.batch_alter_table('team_member') as batch_op:
        batch_op.drop_column('locale')
    with op.batch_alter_table('application') as batch_op:
        batch_op.drop_column('host_locale')
