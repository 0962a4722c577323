"""Cross-cutting tables: the audit log, the mail outbox and the record of scheduled reminders."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l
from mobility.db import UTCDateTime, enum_column, utcnow
from mobility.extensions import Model


class AuditEntry(Model):
    """Who did what, when (UTC) and from where. Written by services, never edited."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[int | None] = mapped_column()
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)


class MailStatus(TitledEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def _titles(cls):
        return {cls.QUEUED: _l("Queued"), cls.SENT: _l("Sent"), cls.FAILED: _l("Failed")}


class OutboxMessage(Model):
    """A mail written in the same transaction as the change it reports; delivered after commit."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    locale: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus), default=MailStatus.QUEUED, nullable=False, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)



class SentReminder(Model):
    """A scheduled reminder that went out, once per (kind, target, stage): a command run twice sends nothing
    twice, and a stage a missed run left unsent is sent by the next run (mobility/core/reminders.py)."""

    __tablename__ = "sent_reminder"
    __table_args__ = (sa.UniqueConstraint("kind", "target_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    target_id: Mapped[int] = mapped_column(nullable=False)
    stage: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
