"""People: users, their roles, sessions, languages, disciplines and affiliations."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.accounts.enums import Discipline, Language, Level, Role
from mobility.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from mobility.extensions import Model, db


class User(TimestampMixin, Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True, nullable=False)
    # As the person writes it; family-name-first names are kept as typed.
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(sa.String(16), default="en", nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC", nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    home_city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("city.id", ondelete="SET NULL"))
    country: Mapped[str | None] = mapped_column(sa.String(2))

    # Two-factor sign-in (accounts/twofactor.py): the confirmed TOTP secret, the one being set up (not yet
    # confirmed with a code), when it was turned on, and the last time step whose code was accepted (a code
    # is accepted once: a step at or below it is refused).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    home_city = relationship("City")
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="UserRole.user_id"
    )
    language_skills: Mapped[list[LanguageSkill]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="LanguageSkill.language"
    )
    disciplines: Mapped[list[UserDiscipline]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    affiliations: Mapped[list[Affiliation]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Affiliation.id"
    )
    # The programmes whose calls this person runs as a manager (admins run every programme).
    programmes: Mapped[list[Programme]] = relationship(
        secondary="programme_manager", back_populates="managers", order_by="Programme.name"
    )

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


programme_manager = sa.Table(
    "programme_manager",
    db.metadata,
    sa.Column("programme_id", sa.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Programme(TimestampMixin, Model):
    """A programme office that shares the installation: its managers run its calls, and only those.

    Every call belongs to one programme; admins run them all. Cities, pairs and exchange rates are
    reference data that every programme shares.
    """

    __tablename__ = "programme"
    # One name in any case: the key decides between two offices created at once ("Huzhou Office", "huzhou office").
    __table_args__ = (sa.Index("uq_programme_name_lower", sa.func.lower(sa.text("name")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True, nullable=False)

    managers: Mapped[list[User]] = relationship(
        secondary=programme_manager, back_populates="programmes", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.name}>"


class UserSession(Model):
    """A signed-in browser. Signing out revokes the row, so a copied cookie stops working."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship()


class RecoveryCode(Model):
    """A single-use code that stands in for a one-time code when the device is lost. Only an Argon2 hash of
    the code is kept, with its first characters (`lookup`) so a typed code is checked against one hash,
    not ten (accounts/twofactor.py)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    lookup: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    code_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LanguageSkill(Model):
    __tablename__ = "language_skill"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[Language] = mapped_column(enum_column(Language), primary_key=True)
    reading: Mapped[Level | None] = mapped_column(enum_column(Level, name="reading_level"))
    writing: Mapped[Level | None] = mapped_column(enum_column(Level, name="writing_level"))

    user: Mapped[User] = relationship(back_populates="language_skills")


class UserDiscipline(Model):
    __tablename__ = "user_discipline"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    discipline: Mapped[Discipline] = mapped_column(enum_column(Discipline), primary_key=True)

    user: Mapped[User] = relationship(back_populates="disciplines")


class Affiliation(Model):
    """An organisation someone belongs to; `organisation_key` is what conflict checks compare."""

    __tablename__ = "affiliation"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    organisation_key: Mapped[str] = mapped_column(sa.String(200), nullable=False, index=True)

    user: Mapped[User] = relationship(back_populates="affiliations")
