"""The grantee's final report on an exchange."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.awards.models import Grant
from mobility.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from mobility.extensions import Model
from mobility.reports.enums import ReportStatus, TravelMode


class FinalReport(TimestampMixin, Model):
    __tablename__ = "final_report"
    __table_args__ = (
        sa.CheckConstraint("audience IS NULL OR audience >= 0", name="audience_not_negative"),
        sa.CheckConstraint("actual_start IS NULL OR actual_end IS NULL OR actual_start <= actual_end",
                           name="dates_in_order"),
        # The desk's counts: each grant's report and its status, from the index alone.
        sa.Index("ix_final_report_grant_status", "grant_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), unique=True, nullable=False)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.DRAFT, nullable=False)
    version: Mapped[int] = mapped_column(default=1, nullable=False)
    actual_start: Mapped[date | None] = mapped_column(sa.Date)
    actual_end: Mapped[date | None] = mapped_column(sa.Date)
    activities: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    co_creations: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    audience: Mapped[int | None] = mapped_column()
    partners: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    sectors: Mapped[list] = mapped_column(MutableList.as_mutable(sa.JSON), default=list, nullable=False)
    travel_mode: Mapped[TravelMode | None] = mapped_column(enum_column(TravelMode))
    public_summary: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # Answers to the call's own report questions, keyed by question id (as on applications).
    answers: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, server_default="{}",
                                          nullable=False)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host_confirmed_name: Mapped[str | None] = mapped_column(sa.String(200))
    # What the host confirmed (the dates of the stay and the host), as shown to them: a change withdraws it.
    host_confirmed_snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    office_message: Mapped[str | None] = mapped_column(sa.Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    grant: Mapped[Grant] = relationship()
    photos: Mapped[list[ReportPhoto]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                     order_by="ReportPhoto.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def actual_days(self) -> int | None:
        if self.actual_start is None or self.actual_end is None:
            return None
        return (self.actual_end - self.actual_start).days + 1


class ReportPhoto(Model):
    """A photo of the exchange (images only, checked by content), kept in the attachment store."""

    __tablename__ = "report_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("final_report.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    caption: Mapped[str] = mapped_column(sa.String(300), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    report: Mapped[FinalReport] = relationship(back_populates="photos")


class InterimReport(TimestampMixin, Model):
    """The grantee's report during the stay, when the call asks for one: how it is going and the call's interim
    questions (calls/models.Call.interim_questions). It moves no money."""

    __tablename__ = "interim_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), unique=True, nullable=False)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus, name="interim_report_status"),
                                                 default=ReportStatus.DRAFT, nullable=False)
    version: Mapped[int] = mapped_column(default=1, nullable=False)
    progress: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    answers: Mapped[dict] = mapped_column(MutableDict.as_mutable(sa.JSON), default=dict, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    office_message: Mapped[str | None] = mapped_column(sa.Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    grant: Mapped[Grant] = relationship()

    __mapper_args__ = {"version_id_col": version}
