"""Report forms as data per call: photos the final report needs, an interim report with its own questions

Revision ID: 6e582bcf9150
Revises: 9c59b0320907
Create Date: 2026-12-05 05:00:00

Existing calls ask for no photo and no interim report (the defaults), so their final reports read, save and
submit as before; question.questionnaire also accepts 'interim'.
"""
import sqlalchemy as sa
from alembic import op

import mobility.db


# revision identifiers, used by Alembic.
revision = '6e582bcf9150'
down_revision = '9c59b0320907'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interim_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'changes_requested', 'approved', name='interim_report_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', mobility.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('office_message', sa.Text(), nullable=True),
    sa.Column('approved_at', mobility.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_interim_report_approved_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grant_id'], ['grant.id'], name=op.f('fk_interim_report_grant_id_grant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interim_report')),
    sa.UniqueConstraint('grant_id', name=op.f('uq_interim_report_grant_id'))
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_min_photos', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('interim_report_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_interim_submitted_at', mobility.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint('interim_report_days_range',
                                         'interim_report_days IS NULL OR interim_report_days BETWEEN 1 AND 365')
        batch_op.create_check_constraint('report_min_photos_range', 'report_min_photos BETWEEN 0 AND 8')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint('questionnaire', type_='check')
        batch_op.create_check_constraint('questionnaire', "questionnaire IN ('application', 'report', 'interim')")



def downgrade():
    op.execute("DELETE FROM question WHERE questionnaire = 'interim'")
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint('questionnaire', type_='check')
        batch_op.create_check_constraint('questionnaire', "questionnaire IN ('application', 'report')")
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_constraint('report_min_photos_range', type_='check')
        batch_op.drop_constraint('interim_report_days_range', type_='check')
        batch_op.drop_column('first_interim_submitted_at')
        batch_op.drop_column('interim_report_days')
        batch_op.drop_column('report_min_photos')

    op.drop_table('interim_report')
