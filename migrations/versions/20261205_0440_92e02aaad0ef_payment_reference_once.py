"""A bank reference is recorded once per grant: a normalised key on the payment, unique per grant

Revision ID: 92e02aaad0ef
Revises: 6e582bcf9150
Create Date: 2026-12-05 04:40:00

`payment.reference_key` is the reference as the bank means it (mobility.awards.models.reference_key: NFKC,
letters and digits only, upper case), unique with the grant: the same transfer sent twice at once is stored
once (the second request gets the first one's payment). Payments stored twice before this revision under one
reference are kept (money records are not deleted by a migration): every copy after the first gets its id
after a "#" in its key, which no typed reference can produce, so the first stays the one a repeat finds.
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '92e02aaad0ef'
down_revision = '6e582bcf9150'
branch_labels = None
depends_on = None

KEY_LENGTH = 120


def _key(reference):
    # A copy of mobility.awards.models.reference_key as it was when this revision was written.
    folded = unicodedata.normalize("NFKC", reference or "")
    return "".join(c for c in folded if c.isalnum()).upper()[:KEY_LENGTH]


def upgrade():
    with op.batch_alter_table('payment') as batch:
        batch.add_column(sa.Column('reference_key', sa.String(length=KEY_LENGTH), nullable=True))
    payment = sa.table('payment', sa.column('id', sa.Integer), sa.column('grant_id', sa.Integer),
                       sa.column('reference', sa.String), sa.column('reference_key', sa.String))
    bind = op.get_bind()
    seen = set()
    for row in bind.execute(sa.select(payment.c.id, payment.c.grant_id, payment.c.reference)
                            .order_by(payment.c.id)).all():
        key = _key(row.reference) or "#"
        if (row.grant_id, key) in seen:
            key = f"{key[:KEY_LENGTH - 12]}#{row.id}"
        seen.add((row.grant_id, key))
        bind.execute(payment.update().where(payment.c.id == row.id).values(reference_key=key))
    with op.batch_alter_table('payment') as batch:
        batch.alter_column('reference_key', existing_type=sa.String(length=KEY_LENGTH), nullable=False)
        batch.create_unique_constraint(batch.f('uq_payment_grant_id_reference_key'), ['grant_id', 'reference_key'])


def downgrade():
    with op.batch_alter_table('payment') as batch:
        batch.drop_constraint('uq_payment_grant_id_reference_key', type_='unique')
        batch.drop_column('reference_key')
