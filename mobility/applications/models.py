"""Applications, their team, attachments and the one receipt each submission gets."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.accounts.enums import Discipline
from mobility.accounts.models import User
from mobility.applications.enums import (
    ApplicationStatus,
    AttachmentKind,
    HostConfirmationStatus,
    MemberStatus,
    ScreeningReason,
)
from mobility.calls.enums import CareerStage
from mobility.calls.models import Call
from mobility.cities.enums import Direction
from mobility.cities.models import City, CityPair
from mobility.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from mobility.extensions import Model


class Application(TimestampMixin, Model):
    __tablename__ = "application"
    __table_args__ = (
        sa.CheckConstraint("start_date IS NULL OR end_date IS NULL OR start_date <= end_date", name="dates_in_order"),
        sa.CheckConstraint("status = 'draft' OR (reference IS NOT NULL AND submitted_at IS NOT NULL)",
                           name="submitted_has_reference"),
        sa.Index("ix_application_call_id_status", "call_id", "status"),
        # The office's list in submission order.
        sa.Index("ix_application_call_id_submitted_at", "call_id", "submitted_at", "id"),
        # One application per artist per call (a withdrawn one included: the office keeps the record).
        sa.UniqueConstraint("call_id", "applicant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="RESTRICT"), nullable=False)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), nullable=False,
                                              index=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus),
                                                      default=ApplicationStatus.DRAFT, nullable=False)
    # Optimistic locking: a save from a stale page (another tab, a team member) is refused, not merged.
    version: Mapped[int] = mapped_column(default=1, nullable=False)

    # The exchange: from the applicant's city to the other city of the pair.
    pair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("city_pair.id", ondelete="RESTRICT"))
    origin_city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("city.id", ondelete="RESTRICT"))
    direction: Mapped[Direction | None] = mapped_column(enum_column(Direction))
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)

    title: Mapped[str] = mapped_column(sa.String(300), default="", nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # Translations of the summary the applicant added: {"en": "…", "ko": "…"} (language of the text → text).
    summary_translations: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict,
                                                       nullable=False)
    # Full translations the applicant supplied, by language: {"en": {"by": "who translated", "title": "…",
    # "answers": {"<question id>": "…"}}} (the summary's translation is in summary_translations). A juror who
    # reads none of `languages` is given the application only in a language it is fully translated into.
    translations: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, server_default="{}",
                                               nullable=False)
    languages: Mapped[list] = mapped_column(MutableList.as_mutable(sa.JSON), default=list, nullable=False)
    discipline: Mapped[Discipline | None] = mapped_column(enum_column(Discipline))
    career_stage: Mapped[CareerStage | None] = mapped_column(enum_column(CareerStage))
    # Answers to the call's own questions: {"<question id>": value}.
    answers: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)

    host_organisation: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    host_contact_name: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    host_email: Mapped[str] = mapped_column(sa.String(320), default="", nullable=False)
    # The language the host's mail is written in when the host has no account (the applicant chooses it).
    host_locale: Mapped[str] = mapped_column(sa.String(16), default="en", server_default="en", nullable=False)
    # The host's confirmation of the stay as it is now (copied from the confirmed HostConfirmation; cleared
    # when the organisation, contact or dates change).
    host_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host_confirmed_name: Mapped[str | None] = mapped_column(sa.String(200))

    # Lower-cased text of everything searchable, so managers can search Chinese, Japanese and Korean
    # by substring (these languages do not separate words with spaces).
    search_text: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)

    reference: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screening_reason: Mapped[ScreeningReason | None] = mapped_column(enum_column(ScreeningReason))
    screening_note: Mapped[str | None] = mapped_column(sa.Text)
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    applicant: Mapped[User] = relationship()
    pair: Mapped[CityPair | None] = relationship()
    origin_city: Mapped[City | None] = relationship()
    members: Mapped[list[TeamMember]] = relationship(back_populates="application", cascade="all, delete-orphan",
                                                     order_by="TeamMember.id")
    # The files of the application as it stands. A file of the last submission removed from a reopened draft
    # stays (removed_at set) until the application is submitted again, so that submission can be restored.
    attachments: Mapped[list[Attachment]] = relationship(
        primaryjoin="and_(Attachment.application_id == Application.id, Attachment.removed_at.is_(None))",
        viewonly=True, order_by="Attachment.id")
    # One receipt per submission (reopened and submitted again before the deadline: several), oldest first.
    receipts: Mapped[list[Receipt]] = relationship(back_populates="application", order_by="Receipt.number")
    host_confirmations: Mapped[list[HostConfirmation]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="HostConfirmation.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def receipt(self) -> Receipt | None:
        """The receipt of the latest submission (the version that is reviewed)."""
        return self.receipts[-1] if self.receipts else None

    @property
    def host_confirmation(self) -> HostConfirmation | None:
        """The latest request to the host (asked, confirmed, or no longer valid)."""
        return self.host_confirmations[-1] if self.host_confirmations else None

    @property
    def host_city(self) -> City | None:
        if self.pair is None or self.origin_city_id is None:
            return None
        return self.pair.east_asia_city if self.origin_city_id == self.pair.europe_city_id else self.pair.europe_city

    @property
    def days(self) -> int | None:
        """Length of the stay, first and last day included."""
        if self.start_date is None or self.end_date is None:
            return None
        return (self.end_date - self.start_date).days + 1

    @property
    def accepted_members(self) -> list[TeamMember]:
        return [m for m in self.members if m.status is MemberStatus.ACCEPTED]

    @property
    def team_size(self) -> int:
        return 1 + len(self.accepted_members)

    @property
    def is_draft(self) -> bool:
        return self.status is ApplicationStatus.DRAFT


class TeamMember(Model):
    """Someone the lead applicant invited to a co-creation team."""

    __tablename__ = "team_member"
    __table_args__ = (sa.UniqueConstraint("application_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    email: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    # The language of the invitation when the person has no account yet (the lead applicant chooses it).
    locale: Mapped[str] = mapped_column(sa.String(16), default="en", server_default="en", nullable=False)
    city_id: Mapped[int | None] = mapped_column(sa.ForeignKey("city.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    status: Mapped[MemberStatus] = mapped_column(enum_column(MemberStatus), default=MemberStatus.INVITED,
                                                 nullable=False)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="members")
    city: Mapped[City | None] = relationship()
    user: Mapped[User | None] = relationship()


class Attachment(Model):
    """A file in the attachment store; `storage_key` is random, the display name is what was uploaded."""

    __tablename__ = "attachment"
    # An upload sent again (the answer was lost; five tabs at once) is kept once: one file per application,
    # purpose and bytes (COALESCE: a file with no question counts as one purpose).
    __table_args__ = (sa.Index("uq_attachment_once", "application_id", "kind",
                               sa.func.coalesce(sa.text("question_id"), 0), "sha256", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind), nullable=False)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question.id", ondelete="SET NULL"))
    display_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Removed from a reopened draft but part of the last submission: kept until the next submission.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()


class Receipt(Model):
    """Proof of one submission. An application reopened before the deadline and submitted again gets a
    second one (number 2); the unique key makes two receipts for the same submission impossible."""

    __tablename__ = "receipt"
    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    number: Mapped[int] = mapped_column(default=1, server_default="1", nullable=False)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    content_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # The submitted content as hashed, so the hash can be checked again later.
    content: Mapped[dict] = mapped_column(sa.JSON, nullable=False)

    application: Mapped[Application] = relationship(back_populates="receipts")


class HostConfirmation(Model):
    """One request to the host about one version of the stay, and the host's answer.

    `snapshot` is what the host was shown (organisation, contact, e-mail, first and last day) and `digest`
    its SHA-256: the confirmation holds for that version only. When any of it changes the request is
    withdrawn (`changed` names what changed) and a new one is sent."""

    __tablename__ = "host_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    status: Mapped[HostConfirmationStatus] = mapped_column(enum_column(HostConfirmationStatus),
                                                           default=HostConfirmationStatus.REQUESTED, nullable=False)
    snapshot: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    digest: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_name: Mapped[str | None] = mapped_column(sa.String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)

    application: Mapped[Application] = relationship(back_populates="host_confirmations")

    def _date(self, key: str) -> date | None:
        value = (self.snapshot or {}).get(key)
        return date.fromisoformat(value) if value else None

    @property
    def start_date(self) -> date | None:
        """The first day of the stay as the host was shown it."""
        return self._date("start_date")

    @property
    def end_date(self) -> date | None:
        return self._date("end_date")
