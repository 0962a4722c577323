"""Host confirmations bound to what the host saw; one receipt per submission

Revision ID: c0a5e7f3b812
Revises: b6c4e1f7a2d9
Create Date: 2026-12-05 03:00:00

`host_confirmation` keeps each request to the host with the snapshot it showed (organisation, contact,
e-mail, dates) and its SHA-256; a change withdraws it. A confirmation already given is carried over as a
confirmed row of the application's current details. `receipt` gets a `number`: an application reopened
before the deadline and submitted again has several receipts (unique per application and number).
`final_report.host_confirmed_snapshot` keeps what the host confirmed of the stay.
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

import mobility.db

# revision identifiers, used by Alembic.
revision = 'c0a5e7f3b812'
down_revision = 'b6c4e1f7a2d9'
branch_labels = None
depends_on = None


def _digest(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(',', ':'))
    return hashlib.sha256(canonical.encode('utf-8')).hexdigest()


def upgrade():
    op.create_table('host_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'confirmed', 'withdrawn', name='host_confirmation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('requested_at', mobility.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', mobility.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_name', sa.String(length=200), nullable=True),
    sa.Column('withdrawn_at', mobility.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('changed', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_host_confirmation_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_host_confirmation'))
    )
    with op.batch_alter_table('host_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_host_confirmation_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_receipt_application_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_receipt_application_id_number'), ['application_id', 'number'])
        batch_op.create_index(batch_op.f('ix_receipt_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('final_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host_confirmed_snapshot', sa.JSON(), nullable=True))

    # Confirmations given before this revision: carried over as confirmed rows of the current details.
    bind = op.get_bind()
    application = sa.table('application', sa.column('id', sa.Integer()), sa.column('host_organisation', sa.String()),
                           sa.column('host_contact_name', sa.String()), sa.column('host_email', sa.String()),
                           sa.column('start_date', sa.Date()), sa.column('end_date', sa.Date()),
                           sa.column('host_confirmed_at', mobility.db.UTCDateTime(timezone=True)),
                           sa.column('host_confirmed_name', sa.String()))
    confirmation = sa.table('host_confirmation', sa.column('application_id', sa.Integer()),
                            sa.column('status', sa.String()), sa.column('snapshot', sa.JSON()),
                            sa.column('digest', sa.String()), sa.column('requested_at', mobility.db.UTCDateTime(timezone=True)),
                            sa.column('confirmed_at', mobility.db.UTCDateTime(timezone=True)),
                            sa.column('confirmed_name', sa.String()), sa.column('changed', sa.JSON()))
    rows = []
    for row in bind.execute(sa.select(application).where(application.c.host_confirmed_at.is_not(None))):
        snapshot = {'organisation': row.host_organisation, 'contact': row.host_contact_name, 'email': row.host_email,
                    'start_date': row.start_date.isoformat() if row.start_date else None,
                    'end_date': row.end_date.isoformat() if row.end_date else None}
        rows.append({'application_id': row.id, 'status': 'confirmed', 'snapshot': snapshot, 'digest': _digest(snapshot),
                     'requested_at': row.host_confirmed_at, 'confirmed_at': row.host_confirmed_at,
                     'confirmed_name': row.host_confirmed_name, 'changed': []})
    if rows:
        bind.execute(sa.insert(confirmation), rows)


def downgrade():
    with op.batch_alter_table('final_report', schema=None) as batch_op:
        batch_op.drop_column('host_confirmed_snapshot')

    bind = op.get_bind()
    receipt = sa.table('receipt', sa.column('number', sa.Integer()))
    bind.execute(sa.delete(receipt).where(receipt.c.number > 1))  # one receipt per application again
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_application_id'))
        batch_op.drop_constraint(batch_op.f('uq_receipt_application_id_number'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_receipt_application_id'), ['application_id'])
        batch_op.drop_column('number')

    with op.batch_alter_table('host_confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_host_confirmation_application_id'))
    op.drop_table('host_confirmation')
