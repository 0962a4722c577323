"""Grants, their amendments, payments, and the office's exchange rates."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mobility.applications.models import Application
from mobility.awards.enums import AgreementStatus, AmendmentStatus, GrantStatus, NoticeOutcome, RedressStatus
from mobility.cities.enums import Direction
from mobility.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from mobility.extensions import Model
from mobility.review.enums import Decision

MONEY = sa.Numeric(12, 2)
REFERENCE_KEY_LENGTH = 120


def reference_key(reference: str | None) -> str:
    """A bank reference as the bank means it: "sepa 2024-001", "SEPA2024001" and its full-width form typed with
    a CJK input method ("ＳＥＰＡ２０２４－００１") are one transfer. Compatibility forms folded (NFKC), only
    letters and digits kept, upper case. Empty when the reference holds no letter or digit."""
    folded = unicodedata.normalize("NFKC", reference or "")
    return "".join(c for c in folded if c.isalnum()).upper()[:REFERENCE_KEY_LENGTH]


class Grant(TimestampMixin, Model):
    """The money offered to one awarded application, with the breakdown it was computed from."""

    __tablename__ = "grant"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
                      sa.Index("ix_grant_budget", "call_id", "pair_id", "direction", "status"),
                      # The report desk: accepted grants, the report due first first, a page at a time.
                      sa.Index("ix_grant_status_end_date", "status", "end_date", "id"),
                      # A pair's public page: its accepted grants, oldest stay first, a page at a time.
                      sa.Index("ix_grant_pair_exchanges", "pair_id", "status", "start_date", "id"),
                      # The desk's counts: every accepted grant with its call and end, from the index alone.
                      sa.Index("ix_grant_status_id", "status", "id", "call_id", "end_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="RESTRICT"),
                                                unique=True, nullable=False)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="RESTRICT"), nullable=False)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("city_pair.id", ondelete="RESTRICT"), nullable=False)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction), nullable=False)
    status: Mapped[GrantStatus] = mapped_column(enum_column(GrantStatus), default=GrantStatus.OFFERED,
                                                nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR", nullable=False)
    distance_km: Mapped[int] = mapped_column(nullable=False)
    days: Mapped[int] = mapped_column(nullable=False)
    start_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    end_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    # [{"name": …, "green_travel": bool, "visa": bool, "children": int, "accessibility_days": int,
    #   "accessibility_costs": "0"}] and [{"code", "quantity", "unit", "amount"}] (amounts as strings).
    travellers: Mapped[list] = mapped_column(MutableList.as_mutable(sa.JSON), default=list, nullable=False)
    breakdown: Mapped[list] = mapped_column(MutableList.as_mutable(sa.JSON), default=list, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_name: Mapped[str | None] = mapped_column(sa.String(200))
    accepted_ip: Mapped[str | None] = mapped_column(sa.String(64))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the offer is sent to the grantee (decision letter, promotion): unanswered by then, it expires
    # (awards.services.expire_offers, run by `flask awards expire-offers`).
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the office approves the final report: the last instalment becomes due.
    final_report_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    payments: Mapped[list[Payment]] = relationship(back_populates="grant", order_by="Payment.id")
    amendments: Mapped[list[GrantAmendment]] = relationship(back_populates="grant", order_by="GrantAmendment.id")
    versions: Mapped[list[AgreementVersion]] = relationship(back_populates="grant", order_by="AgreementVersion.number")


class GrantAmendment(Model):
    """A change of dates or travellers: recalculated, kept as history, applied once a manager approves."""

    __tablename__ = "grant_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[AmendmentStatus] = mapped_column(enum_column(AmendmentStatus), default=AmendmentStatus.PENDING,
                                                    nullable=False)
    start_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    end_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    travellers: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    breakdown: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    previous_amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    grant: Mapped[Grant] = relationship(back_populates="amendments")


class AgreementVersion(Model):
    """One version of a grant's agreement, kept as it was offered and, once accepted, as it was accepted.

    `terms` is what the PDF shows (amount, lines, dates, travellers, the call's terms), fixed when the version
    is made; `terms_sha256` its digest. On acceptance the PDF is rendered once, with the acceptance, and its
    bytes kept in `pdf` with their digest in `sha256`: a download of an accepted version is those bytes.
    A change of the terms (an approved amendment) makes version n+1, which the grantee accepts again.
    `accepted_ip` is personal data kept for a limited period (cleared by the privacy clean-up)."""

    __tablename__ = "agreement_version"
    __table_args__ = (sa.UniqueConstraint("grant_id", "number"),
                      sa.CheckConstraint("number >= 1", name="number_positive"),
                      sa.CheckConstraint("status != 'accepted' OR accepted_at IS NOT NULL", name="accepted_has_time"))

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(nullable=False)
    status: Mapped[AgreementStatus] = mapped_column(enum_column(AgreementStatus), default=AgreementStatus.OFFERED,
                                                    nullable=False)
    terms: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    terms_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # The amendment whose approval made this version (none for the first).
    amendment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grant_amendment.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    locale: Mapped[str | None] = mapped_column(sa.String(16))  # the grantee's language the PDF was made in
    accepted_name: Mapped[str | None] = mapped_column(sa.String(200))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_ip: Mapped[str | None] = mapped_column(sa.String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # declined or replaced

    grant: Mapped[Grant] = relationship(back_populates="versions")

    @property
    def amount(self) -> Decimal:
        return Decimal(self.terms["amount"])

    @property
    def start_date(self) -> date:
        return date.fromisoformat(self.terms["start_date"])

    @property
    def end_date(self) -> date:
        return date.fromisoformat(self.terms["end_date"])


class Payment(Model):
    __tablename__ = "payment"
    # A bank reference is recorded once per grant, whatever the spacing, case or width it was typed in
    # (`reference_key`, awards.services.reference_key): the same transfer sent again cannot be stored twice.
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),
                      sa.UniqueConstraint("grant_id", "reference_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), nullable=False, index=True)
    instalment: Mapped[int] = mapped_column(nullable=False)  # 1 on agreement, 2 after the final report
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    reference: Mapped[str] = mapped_column(sa.String(100), nullable=False)  # as typed, for the page and exports
    reference_key: Mapped[str] = mapped_column(sa.String(REFERENCE_KEY_LENGTH), nullable=False)  # normalised: the unique key
    paid_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    grant: Mapped[Grant] = relationship(back_populates="payments")

    @validates("reference")
    def _keyed(self, _key: str, reference: str) -> str:
        self.reference_key = reference_key(reference)
        return reference


class ExchangeRate(Model):
    """How many units of `currency` one euro buys from `valid_from` on (indicative amounts only)."""

    __tablename__ = "exchange_rate"
    __table_args__ = (sa.UniqueConstraint("currency", "valid_from"),
                      sa.CheckConstraint("rate > 0", name="rate_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False)
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(18, 6), nullable=False)
    valid_from: Mapped[date] = mapped_column(sa.Date, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DecisionNotice(Model):
    """The decision letter one applicant was sent (once): what it told them, when, in which language, and
    until when they may ask for a review of the decision. Every applicant whose application reached review
    gets one, decided or not when the panel locked."""

    __tablename__ = "decision_notice"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                primary_key=True)
    outcome: Mapped[NoticeOutcome] = mapped_column(enum_column(NoticeOutcome), nullable=False)
    locale: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # The end of the window for a request for review (the call's appeal days after the letter).
    redress_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    application: Mapped[Application] = relationship()


class RedressRequest(TimestampMixin, Model):
    """An applicant's request for review of the decision on their application (one per application), and the
    office's answer."""

    __tablename__ = "redress_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True,
                                                nullable=False)
    status: Mapped[RedressStatus] = mapped_column(enum_column(RedressStatus), default=RedressStatus.PENDING,
                                                  nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # An upheld request: the office's new panel decision on the application (award, waiting list or rejection),
    # recorded once despite the panel lock; the applicant's new letter says it is final.
    reconsidered_decision: Mapped[Decision | None] = mapped_column(enum_column(Decision, name="reconsidered_decision"))
    reconsidered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reconsidered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconsideration_reason: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)

    application: Mapped[Application] = relationship()

    @property
    def reconsidered_outcome(self) -> NoticeOutcome | None:
        """The reconsidered decision as the applicant's letter names it (Grant awarded, Not funded…)."""
        return None if self.reconsidered_decision is None else NoticeOutcome(self.reconsidered_decision.value)
