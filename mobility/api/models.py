"""Personal API tokens. Only a SHA-256 digest of the secret is stored: the table holds no usable token."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.accounts.models import User
from mobility.api.enums import TokenScope
from mobility.db import UTCDateTime, enum_column, utcnow
from mobility.extensions import Model


class ApiToken(Model):
    __tablename__ = "api_token"
    # One token per submitted form: the same form sent twice (a reload) never makes a second token.
    __table_args__ = (sa.UniqueConstraint("user_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    # The first characters of the secret, shown in lists so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    scope: Mapped[TokenScope] = mapped_column(enum_column(TokenScope), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_key: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
