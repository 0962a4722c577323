"""Programmes: each call belongs to one programme office, whose managers alone run it

Revision ID: e7b2d5c1a9f0
Revises: 808eac93f3cd
Create Date: 2026-11-28 04:00:00

An installation that existed before programmes had one office: its calls all go to one programme,
named "Programme office", and every manager joins it, so nobody loses access to anything.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import mobility.db


# revision identifiers, used by Alembic.
revision = 'e7b2d5c1a9f0'
down_revision = '808eac93f3cd'
branch_labels = None
depends_on = None

FIRST_PROGRAMME = "Programme office"


def upgrade():
    programme = op.create_table(
        'programme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', mobility.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', mobility.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
        sa.UniqueConstraint('name', name=op.f('uq_programme_name')),
    )
    op.create_table(
        'programme_manager',
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_manager_programme_id_programme'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_programme_manager_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('programme_id', 'user_id', name=op.f('pk_programme_manager')),
    )
    op.create_index(op.f('ix_programme_manager_user_id'), 'programme_manager', ['user_id'], unique=False)
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))

    connection = op.get_bind()
    has_calls = connection.execute(sa.text('SELECT 1 FROM "call" LIMIT 1')).first() is not None
    managers = [row[0] for row in connection.execute(
        sa.text("SELECT user_id FROM user_role WHERE role = 'manager' ORDER BY user_id"))]
    if has_calls or managers:
        # The office has existed since its first call (or its first manager): a down-and-up round trip then
        # gives the same row back.
        calls = sa.table('call', sa.column('created_at', mobility.db.UTCDateTime()))
        roles = sa.table('user_role', sa.column('role', sa.String()),
                         sa.column('granted_at', mobility.db.UTCDateTime()))
        since = connection.execute(sa.select(sa.func.min(calls.c.created_at))).scalar() \
            or connection.execute(sa.select(sa.func.min(roles.c.granted_at))
                                  .where(roles.c.role == 'manager')).scalar() \
            or datetime.now(timezone.utc)
        connection.execute(programme.insert().values(name=FIRST_PROGRAMME, created_at=since, updated_at=since))
        first = connection.execute(sa.text("SELECT id FROM programme WHERE name = :name"),
                                   {"name": FIRST_PROGRAMME}).scalar_one()
        connection.execute(sa.text('UPDATE "call" SET programme_id = :id'), {"id": first})
        for user_id in managers:
            connection.execute(sa.text("INSERT INTO programme_manager (programme_id, user_id) VALUES (:p, :u)"),
                               {"p": first, "u": user_id})

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_call_programme_id'), ['programme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_call_programme_id_programme'), 'programme', ['programme_id'],
                                    ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_call_programme_id_programme'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_call_programme_id'))
        batch_op.drop_column('programme_id')
    op.drop_index(op.f('ix_programme_manager_user_id'), table_name='programme_manager')
    op.drop_table('programme_manager')
    op.drop_table('programme')
