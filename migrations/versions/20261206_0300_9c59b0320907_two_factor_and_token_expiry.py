"""Two-factor sign-in (TOTP secret, last accepted step, recovery codes); API tokens that expire and may be
limited to one programme.

Tokens made before this revision get 90 days from the upgrade: an integration that works today keeps working,
and its holder is reminded a week before it stops.

Revision ID: 9c59b0320907
Revises: dbcafaaae88b
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

import mobility.db

revision = "9c59b0320907"
down_revision = "dbcafaaae88b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_pending_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", mobility.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))

    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(8), nullable=False),
        sa.Column("code_hash", sa.String(255), nullable=False),
        sa.Column("created_at", mobility.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", mobility.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_recovery_code_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"], unique=False)

    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", mobility.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
    expires = datetime.now(timezone.utc) + timedelta(days=90)
    tokens = sa.table("api_token", sa.column("expires_at", mobility.db.UTCDateTime()))
    op.execute(tokens.update().values(expires_at=expires))
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=mobility.db.UTCDateTime(), nullable=False)
        batch.create_foreign_key(batch.f("fk_api_token_programme_id_programme"), "programme", ["programme_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index(batch.f("ix_api_token_expires_at"), ["expires_at"], unique=False)
        batch.create_index(batch.f("ix_api_token_programme_id"), ["programme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_index(batch.f("ix_api_token_programme_id"))
        batch.drop_index(batch.f("ix_api_token_expires_at"))
        batch.drop_constraint(batch.f("fk_api_token_programme_id_programme"), type_="foreignkey")
        batch.drop_column("programme_id")
        batch.drop_column("expires_at")
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_pending_secret")
        batch.drop_column("totp_secret")
