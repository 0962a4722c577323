"""Personal API tokens. Only a SHA-256 digest of the secret is stored: the table holds no usable token."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.accounts.models import Programme, User
from mobility.api.enums import TokenScope
from mobility.db import UTCDateTime, enum_column, utcnow
from mobility.extensions import Model

DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 365


def _default_expiry() -> datetime:
    return utcnow() + timedelta(days=DEFAULT_LIFETIME_DAYS)


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
    # The instant it stops working (at most a year after it was made: api/services.py), and the one programme
    # it reaches, or None for every programme its holder runs. A programme deleted takes its tokens along:
    # a token never widens to "every programme".
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_default_expiry, nullable=False, index=True)
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()
    programme: Mapped[Programme | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return utcnow() >= self.expires_at

    @property
    def active(self) -> bool:
        return not self.revoked and not self.expired

    @property
    def last_moment(self) -> datetime:
        """The last instant it works: shown as its day ("works until 4 March"), the day the holder chose."""
        return self.expires_at - timedelta(seconds=1)
