"""Juror pools, assignments, reviews, phases, consensus reports and panel decisions."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import get_history

from mobility.accounts.models import User
from mobility.applications.models import Application
from mobility.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from mobility.extensions import Model
from mobility.review.enums import (
    AssignmentStatus,
    ConsensusStatus,
    Decision,
    PairRule,
    PhaseKind,
    ReviewStatus,
)

SCORE_UNIT = 100  # scores are Numeric(5, 2): whole hundredths


def scores_in_hundredths(scores: Mapping[str, object]) -> str:
    """The scores as the ranking reads them, without parsing any JSON: "<criterion id>:<hundredths>" by
    criterion id, separated by spaces ({"12": "4.5", "13": "3"} is "12:450 13:300"; no score is "")."""
    pairs = sorted((int(key), int((Decimal(str(value)) * SCORE_UNIT).to_integral_value(ROUND_HALF_UP)))
                   for key, value in scores.items() if value not in (None, ""))
    return " ".join(f"{criterion}:{hundredths}" for criterion, hundredths in pairs)


def _scores_in_hundredths_default(context) -> str:
    """A row inserted (by the ORM or by a bulk insert) gets the copy of the scores it is inserted with."""
    return scores_in_hundredths(context.get_current_parameters().get("scores") or {})


def _scores_column() -> Mapped[str]:
    # Kept in step with `scores` on every insert (the default) and every ORM update (_keep_in_step below);
    # an UPDATE statement that sets `scores` must set it too. Never read for display: `scores` is the record.
    return mapped_column(sa.Text, default=_scores_in_hundredths_default, server_default="", nullable=False)


class CallJuror(Model):
    """A juror in a call's pool, with how many applications they can take."""

    __tablename__ = "call_juror"
    __table_args__ = (sa.CheckConstraint("max_load >= 0", name="max_load_not_negative"),)

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    max_load: Mapped[int] = mapped_column(default=20, nullable=False)

    user: Mapped[User] = relationship()


class ReviewPhase(Model):
    """A phase of a call's review, with what it lets people do (data, not code)."""

    __tablename__ = "review_phase"
    __table_args__ = (sa.UniqueConstraint("call_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    kind: Mapped[PhaseKind] = mapped_column(enum_column(PhaseKind), nullable=False)
    can_review: Mapped[bool] = mapped_column(nullable=False)
    can_see_others_reviews: Mapped[bool] = mapped_column(nullable=False)
    can_see_reviewer_names: Mapped[bool] = mapped_column(nullable=False)
    can_change_decisions: Mapped[bool] = mapped_column(nullable=False)
    active: Mapped[bool] = mapped_column(default=False, nullable=False)


class AssignmentRule(Model):
    """Pin or forbid one juror for one application; the next assignment run obeys it."""

    __tablename__ = "assignment_rule"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                primary_key=True)
    juror_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    rule: Mapped[PairRule] = mapped_column(enum_column(PairRule), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class Assignment(TimestampMixin, Model):
    __tablename__ = "assignment"
    __table_args__ = (sa.UniqueConstraint("application_id", "juror_id"),
                      # A juror's list, newest first, read a page at a time in index order.
                      sa.Index("ix_assignment_juror_id_created_at", "juror_id", "created_at", "id"),
                      # A juror's progress per call (review/queries.py, juror_progress), from the index alone.
                      sa.Index("ix_assignment_juror_progress", "juror_id", "call_id", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                nullable=False, index=True)
    juror_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[AssignmentStatus] = mapped_column(enum_column(AssignmentStatus),
                                                     default=AssignmentStatus.ASSIGNED, nullable=False)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conflict_reason: Mapped[str | None] = mapped_column(sa.Text)

    application: Mapped[Application] = relationship()
    juror: Mapped[User] = relationship()
    review: Mapped[Review | None] = relationship(back_populates="assignment", uselist=False)


class Review(TimestampMixin, Model):
    """One juror's scores and comments on one application."""

    __tablename__ = "review"
    # A juror's progress: each assignment's review and its status, from the index alone.
    __table_args__ = (sa.Index("ix_review_assignment_status", "assignment_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id", ondelete="CASCADE"), unique=True,
                                               nullable=False)
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus), default=ReviewStatus.DRAFT,
                                                 nullable=False)
    # {"<criterion id>": "4.5"} (strings: exact decimals) and {"<criterion id>": "comment"}.
    scores: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)
    score_hundredths: Mapped[str] = _scores_column()  # scores_in_hundredths(scores), for the ranking
    comments: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    comment_language: Mapped[str | None] = mapped_column(sa.String(8))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="review")


class ConsensusReport(TimestampMixin, Model):
    """Agreed scores and feedback: a rapporteur drafts, a moderator approves."""

    __tablename__ = "consensus_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True,
                                                nullable=False)
    rapporteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    scores: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)
    score_hundredths: Mapped[str] = _scores_column()  # scores_in_hundredths(scores), for the ranking
    comments: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # The feedback is written in English (`comments`, `summary`); the rapporteur may add it in the applicant's
    # language too: that language, and the same texts in it.
    translation_locale: Mapped[str | None] = mapped_column(sa.String(16))
    comments_translation: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict,
                                                       server_default="{}", nullable=False)
    summary_translation: Mapped[str] = mapped_column(sa.Text, default="", server_default="", nullable=False)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()

    @property
    def status(self) -> ConsensusStatus:
        return ConsensusStatus.APPROVED if self.approved_at is not None else ConsensusStatus.DRAFT

    @status.setter
    def status(self, value: ConsensusStatus) -> None:
        # The approval instant is the state; who approved is set by the verb.
        self.approved_at = (self.approved_at or utcnow()) if value is ConsensusStatus.APPROVED else None


@sa.event.listens_for(Review, "before_update")
@sa.event.listens_for(ConsensusReport, "before_update")
def _keep_in_step(_mapper, _connection, target: Review | ConsensusReport) -> None:
    """Scores assigned or changed in place: their copy for the ranking changes with them, in the same UPDATE."""
    if get_history(target, "scores").has_changes():
        target.score_hundredths = scores_in_hundredths(target.scores)


class PanelDecision(Model):
    __tablename__ = "panel_decision"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"),
                                                primary_key=True)
    decision: Mapped[Decision] = mapped_column(enum_column(Decision), nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    letter_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()

