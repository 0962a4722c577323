"""An upheld request for review leads to a reconsidered decision: the `reconsidered` status of a request and
what the office decided on reconsideration (decision, reason, who and when)

Revision ID: b6d2f4a8c0e1
Revises: f2c8d4e0b3a5
Create Date: 2026-12-09 01:00:00

Existing requests keep their status; an upheld one now waits for the office's reconsidered decision.
"""
import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = 'b6d2f4a8c0e1'
down_revision = 'f2c8d4e0b3a5'
branch_labels = None
depends_on = None

OLD = ('pending', 'upheld', 'rejected')
NEW = OLD + ('reconsidered',)


def _status_check(values) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('redress_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconsidered_decision', sa.Enum(
            'shortlist', 'award', 'waitlist', 'reject', name='reconsidered_decision', native_enum=False,
            create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('reconsidered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reconsidered_at', mobility.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reconsideration_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_redress_request_reconsidered_by_id_user'), 'user',
                                    ['reconsidered_by_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint('redress_status', type_='check')
        batch_op.create_check_constraint('redress_status', _status_check(NEW))
    with op.batch_alter_table('redress_request', schema=None) as batch_op:
        batch_op.alter_column('reconsideration_reason', server_default=None)


def downgrade():
    # A reconsidered request was upheld first: it goes back to upheld (its reconsidered decision stays on the
    # panel decision and in the audit log).
    op.execute("UPDATE redress_request SET status = 'upheld' WHERE status = 'reconsidered'")
    with op.batch_alter_table('redress_request', schema=None) as batch_op:
        batch_op.drop_constraint('redress_status', type_='check')
        batch_op.create_check_constraint('redress_status', _status_check(OLD))
        batch_op.drop_constraint(batch_op.f('fk_redress_request_reconsidered_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint('reconsidered_decision', type_='check')
        batch_op.drop_column('reconsideration_reason')
        batch_op.drop_column('reconsidered_at')
        batch_op.drop_column('reconsidered_by_id')
        batch_op.drop_column('reconsidered_decision')
