"""Every applicant hears back: decision notices, requests for review, the jurors' comments a call shares

Revision ID: dbcafaaae88b
Revises: a3c5e7f9b2d4
Create Date: 2026-12-05 05:00:00

`decision_notice` records the decision letter each applicant was sent (outcome, language, the end of the
window for a request for review); a letter already sent before this revision gets its notice from the
panel decision (its outcome, the applicant's language, the call's appeal days after the letter), so it is
not sent again and its applicant can still ask for a review within that window. `redress_request` holds one request for review per application and the
office's decision. `call.shared_comments` says which jurors' comments an applicant without a consensus
report reads (existing calls: none).
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = 'dbcafaaae88b'
down_revision = 'a3c5e7f9b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_comments', sa.Enum('none', 'overall', 'all', name='shared_comments', native_enum=False, create_constraint=True, length=32), server_default='none', nullable=False))

    op.create_table('decision_notice',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('award', 'waitlist', 'reject', 'not_funded', name='notice_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('sent_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('redress_until', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_decision_notice_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_decision_notice'))
    )
    op.create_table('redress_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'upheld', 'rejected', name='redress_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', mobility.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('created_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_redress_request_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_redress_request_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_redress_request_requested_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redress_request')),
    sa.UniqueConstraint('application_id', name=op.f('uq_redress_request_application_id'))
    )

    bind = op.get_bind()
    decision = sa.table('panel_decision', sa.column('application_id', sa.Integer()), sa.column('decision', sa.String()),
                        sa.column('letter_sent_at', mobility.db.UTCDateTime(timezone=True)))
    application = sa.table('application', sa.column('id', sa.Integer()), sa.column('call_id', sa.Integer()),
                           sa.column('applicant_id', sa.Integer()))
    call = sa.table('call', sa.column('id', sa.Integer()), sa.column('appeal_days', sa.Integer()))
    user = sa.table('user', sa.column('id', sa.Integer()), sa.column('locale', sa.String()))
    notice = sa.table('decision_notice', sa.column('application_id', sa.Integer()), sa.column('outcome', sa.String()),
                      sa.column('locale', sa.String()), sa.column('sent_at', mobility.db.UTCDateTime(timezone=True)),
                      sa.column('redress_until', mobility.db.UTCDateTime(timezone=True)))
    outcomes = {'award': 'award', 'waitlist': 'waitlist', 'reject': 'reject'}
    rows = [{'application_id': row.application_id, 'outcome': outcomes.get(row.decision, 'not_funded'),
             'locale': row.locale or 'en', 'sent_at': row.letter_sent_at,
             'redress_until': row.letter_sent_at + timedelta(days=row.appeal_days or 0)}
            for row in bind.execute(
                sa.select(decision.c.application_id, decision.c.decision, decision.c.letter_sent_at, user.c.locale,
                          call.c.appeal_days)
                .join(application, application.c.id == decision.c.application_id)
                .join(call, call.c.id == application.c.call_id)
                .join(user, user.c.id == application.c.applicant_id)
                .where(decision.c.letter_sent_at.is_not(None)))]
    if rows:
        op.bulk_insert(notice, rows)


def downgrade():
    op.drop_table('redress_request')
    op.drop_table('decision_notice')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_constraint('shared_comments', type_='check')
        batch_op.drop_column('shared_comments')
