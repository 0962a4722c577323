"""The record of a background job: what the owner's progress page reads, and what outlives a Redis restart."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.accounts.models import User
from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l
from mobility.db import UTCDateTime, enum_column, utcnow
from mobility.extensions import Model


class JobStatus(TitledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @classmethod
    def _titles(cls):
        return {cls.QUEUED: _l("Waiting to start"), cls.RUNNING: _l("Running"), cls.DONE: _l("Done"),
                cls.FAILED: _l("Failed")}

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


class BackgroundJob(Model):
    """One piece of background work started by a person. Messages are written in the owner's language."""

    __tablename__ = "background_job"
    __table_args__ = (sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64), nullable=False)       # a key of runner.KINDS
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    function: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # dotted path, run by the worker
    arguments: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED, nullable=False)
    progress: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    message: Mapped[str] = mapped_column(sa.Text, default="", server_default="", nullable=False)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    storage_key: Mapped[str | None] = mapped_column(sa.String(64))  # its file in the attachment store (backed up)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    owner: Mapped[User | None] = relationship()
