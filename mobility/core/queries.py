"""select() builders for the tables of core (the mail outbox, the audit log)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from mobility.core.models import AuditEntry, OutboxMessage


def outbox_newest_first() -> Select:
    """Every message of the mail outbox, the latest first."""
    return select(OutboxMessage).order_by(OutboxMessage.id.desc())


def recent_actions_count(actions: tuple[str, ...], since: datetime, *, actor_id: int | None = None,
                         target_type: str | None = None, target_id: int | None = None) -> Select:
    """How many audit entries of `actions` since `since`, by one actor or about one target."""
    stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.action.in_(actions), AuditEntry.at >= since)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if target_type is not None:
        stmt = stmt.where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
    return stmt
