"""A call (a programme round) and what it carries: texts, rules, questions, rubric, budget, rates."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.accounts.enums import Discipline
from mobility.accounts.models import Programme
from mobility.calls.enums import CallKind, CallStatus, QuestionKind, Questionnaire, RuleKind, SharedComments
from mobility.cities.enums import Direction
from mobility.cities.models import CityPair
from mobility.db import TimestampMixin, UTCDateTime, enum_column
from mobility.extensions import Model, db
from mobility.i18n.content import localized

MONEY = sa.Numeric(12, 2)
SCORE = sa.Numeric(5, 2)

call_pair = sa.Table(
    "call_pair",
    db.metadata,
    sa.Column("call_id", sa.ForeignKey("call.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("pair_id", sa.ForeignKey("city_pair.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


def _texts() -> Mapped[dict]:
    return mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)


def _list() -> Mapped[list]:
    return mapped_column(MutableList.as_mutable(sa.JSON), default=list, nullable=False)


class Call(TimestampMixin, Model):
    __tablename__ = "call"
    __table_args__ = (
        sa.CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
        sa.CheckConstraint("scale_min < scale_max AND scale_step > 0", name="scale_valid"),
        sa.CheckConstraint("reviewers_per_application >= 1", name="reviewers_positive"),
        sa.CheckConstraint("first_instalment_percent BETWEEN 0 AND 100", name="instalment_percent"),
        sa.CheckConstraint("offer_days BETWEEN 1 AND 365", name="offer_days_range"),
        sa.CheckConstraint("interim_report_days IS NULL OR interim_report_days BETWEEN 1 AND 365",
                           name="interim_report_days_range"),
        sa.CheckConstraint("report_min_photos BETWEEN 0 AND 8", name="report_min_photos_range"),
        sa.CheckConstraint(
            "daily_allowance >= 0 AND green_travel_topup >= 0 AND visa_topup >= 0 "
            "AND family_topup_per_child >= 0 AND accessibility_topup_per_day >= 0", name="rates_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CallKind] = mapped_column(enum_column(CallKind), nullable=False)
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus), default=CallStatus.DRAFT, nullable=False,
                                               index=True)

    # Texts per locale ({"en": …, "ko": …}); the call declares which texts and languages publication needs.
    title: Mapped[dict] = _texts()
    summary: Mapped[dict] = _texts()
    body: Mapped[dict] = _texts()
    guidance: Mapped[dict] = _texts()
    required_texts: Mapped[list] = _list()
    required_locales: Mapped[list] = _list()

    # Instants in UTC; `timezone` is the zone the office announces the deadline in.
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)

    directions: Mapped[list] = _list()  # Direction values
    accepted_languages: Mapped[list] = _list()  # Language values an application may be written in

    reviewers_per_application: Mapped[int] = mapped_column(default=3, nullable=False)
    # Every juror in the pool gets at least this many applications from an assignment run (0: none).
    min_reviews_per_juror: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    blind_review: Mapped[bool] = mapped_column(default=False, nullable=False)
    # A juror who lives in the applicant's city has a conflict of interest (the assignment never gives them
    # the application) unless the call turns this off.
    same_city_conflict: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), nullable=False)
    scale_min: Mapped[Decimal] = mapped_column(SCORE, default=Decimal("0"), nullable=False)
    scale_max: Mapped[Decimal] = mapped_column(SCORE, default=Decimal("5"), nullable=False)
    scale_step: Mapped[Decimal] = mapped_column(SCORE, default=Decimal("0.5"), nullable=False)
    overall_threshold: Mapped[Decimal | None] = mapped_column(SCORE)

    # Rate table (amounts in `currency`); distance bands and per-diem overrides in their own tables.
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR", nullable=False)
    daily_allowance: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    green_travel_topup: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    visa_topup: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    family_topup_per_child: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    accessibility_topup_per_day: Mapped[Decimal] = mapped_column(MONEY, nullable=False)

    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the first submitted application: from then on rubric, rules and questions are frozen.
    first_submission_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the first submitted final report: from then on the report questions are frozen.
    first_report_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The programme office that runs the call: only its managers (and admins) may act on it.
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False,
                                              index=True)
    # Payment in two instalments: this share when the agreement is accepted, the rest after the report.
    first_instalment_percent: Mapped[int] = mapped_column(default=70, nullable=False)
    # When jurors should have submitted their reviews (shown to each juror in their own zone).
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Days an applicant has to ask for a review of the decision (said in the decision letter).
    appeal_days: Mapped[int] = mapped_column(default=14, nullable=False)
    # Days a grant offer waits for the grantee's answer once it is sent; then it expires and the next on the
    # waiting list is offered the grant.
    offer_days: Mapped[int] = mapped_column(default=30, nullable=False)
    # Which of the jurors' comments an applicant without a consensus report reads in their evaluation summary.
    shared_comments: Mapped[SharedComments] = mapped_column(
        enum_column(SharedComments), default=SharedComments.NONE, server_default="none", nullable=False)
    # The report forms: photos the final report must carry, and the interim report (none when empty), due this
    # many days after the first day of the stay. Its questions are `interim_questions`.
    report_min_photos: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    interim_report_days: Mapped[int | None] = mapped_column()
    # Set by the first submitted interim report: from then on the interim questions are frozen.
    first_interim_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the panel locks the ranking: from then on no score or decision changes are accepted.
    panel_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship()
    pairs: Mapped[list[CityPair]] = relationship(secondary=call_pair, order_by=CityPair.id)
    # The disciplines the call is for; none = every discipline.
    disciplines: Mapped[list[CallDiscipline]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallDiscipline.discipline")
    rules: Mapped[list[EligibilityRule]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="EligibilityRule.position")
    # The application form's questions; the final report's are kept apart so neither list sees the other.
    questions: Mapped[list[Question]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="Question.position",
        primaryjoin=lambda: sa.and_(Call.id == Question.call_id, Question.questionnaire == Questionnaire.APPLICATION),
        foreign_keys="Question.call_id", overlaps="report_questions,interim_questions")
    report_questions: Mapped[list[Question]] = relationship(
        cascade="all, delete-orphan", order_by="Question.position",
        primaryjoin=lambda: sa.and_(Call.id == Question.call_id, Question.questionnaire == Questionnaire.REPORT),
        foreign_keys="Question.call_id", overlaps="questions,call,interim_questions")
    interim_questions: Mapped[list[Question]] = relationship(
        cascade="all, delete-orphan", order_by="Question.position",
        primaryjoin=lambda: sa.and_(Call.id == Question.call_id, Question.questionnaire == Questionnaire.INTERIM),
        foreign_keys="Question.call_id", overlaps="questions,call,report_questions")
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="RubricCriterion.position")
    budgets: Mapped[list[CallBudget]] = relationship(back_populates="call", cascade="all, delete-orphan")
    distance_bands: Mapped[list[DistanceBand]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="DistanceBand.min_km")
    per_diems: Mapped[list[PerDiemRate]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="PerDiemRate.country")

    def text(self, field: str, locale: str | None = None) -> str:
        return localized(getattr(self, field), locale)

    @property
    def direction_values(self) -> list[Direction]:
        return [Direction(d) for d in self.directions]

    @property
    def discipline_values(self) -> list[Discipline]:
        return [d.discipline for d in self.disciplines]

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.status.value}>"


class CallDiscipline(Model):
    __tablename__ = "call_discipline"

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    discipline: Mapped[Discipline] = mapped_column(enum_column(Discipline), primary_key=True, index=True)

    call: Mapped[Call] = relationship(back_populates="disciplines")


class EligibilityRule(Model):
    """One rule as data: `params` depends on `kind` (see calls/rules.py)."""

    __tablename__ = "eligibility_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(default=0, nullable=False)
    kind: Mapped[RuleKind] = mapped_column(enum_column(RuleKind), nullable=False)
    params: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)

    call: Mapped[Call] = relationship(back_populates="rules")


class Question(Model):
    """A question of the application form; shown only if `condition_question` has `condition_value`."""

    __tablename__ = "question"
    __table_args__ = (
        sa.CheckConstraint("condition_question_id IS NULL OR condition_question_id <> id", name="not_self"),
        sa.CheckConstraint("max_length IS NULL OR max_length > 0", name="max_length_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(default=0, nullable=False)
    questionnaire: Mapped[Questionnaire] = mapped_column(
        enum_column(Questionnaire), default=Questionnaire.APPLICATION, server_default="application", nullable=False)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind), nullable=False)
    required: Mapped[bool] = mapped_column(default=False, nullable=False)
    label: Mapped[dict] = _texts()
    help: Mapped[dict] = _texts()
    # Characters (not words: Chinese, Japanese and Korean have no spaces to count).
    max_length: Mapped[int | None] = mapped_column()
    # [{"value": "dance", "labels": {"en": "Dance", "ja": "ダンス"}}, …]
    options: Mapped[list] = _list()
    condition_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question.id", ondelete="SET NULL"))
    condition_value: Mapped[str | None] = mapped_column(sa.String(100))

    call: Mapped[Call] = relationship(back_populates="questions", foreign_keys=[call_id],
                                      overlaps="report_questions,interim_questions")
    condition_question: Mapped[Question | None] = relationship(remote_side=[id])

    def option_label(self, value: str, locale: str | None = None) -> str:
        for option in self.options:
            if option["value"] == value:
                return localized(option.get("labels"), locale) or value
        return value


class RubricCriterion(Model):
    __tablename__ = "rubric_criterion"
    __table_args__ = (sa.CheckConstraint("weight > 0", name="weight_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(default=0, nullable=False)
    label: Mapped[dict] = _texts()
    description: Mapped[dict] = _texts()
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal("1"), nullable=False)
    threshold: Mapped[Decimal | None] = mapped_column(SCORE)
    # 1 = first tie-break, 2 = second …; None = not used to break ties.
    tie_break_rank: Mapped[int | None] = mapped_column()

    call: Mapped[Call] = relationship(back_populates="criteria")


class CallBudget(Model):
    """Money for one pair in one direction of a call."""

    __tablename__ = "call_budget"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_not_negative"),)

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("city_pair.id", ondelete="RESTRICT"), primary_key=True)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)

    call: Mapped[Call] = relationship(back_populates="budgets")
    pair: Mapped[CityPair] = relationship()


class DistanceBand(Model):
    """Travel amount for a great-circle distance from `min_km` up to (not including) `max_km`."""

    __tablename__ = "distance_band"
    __table_args__ = (
        sa.CheckConstraint("min_km >= 0 AND (max_km IS NULL OR max_km > min_km)", name="range_valid"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.UniqueConstraint("call_id", "min_km"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True)
    min_km: Mapped[int] = mapped_column(nullable=False)
    max_km: Mapped[int | None] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)

    call: Mapped[Call] = relationship(back_populates="distance_bands")


class PerDiemRate(Model):
    """Daily allowance in one host country, where it differs from the call's default."""

    __tablename__ = "per_diem_rate"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_not_negative"),)

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)

    call: Mapped[Call] = relationship(back_populates="per_diems")
