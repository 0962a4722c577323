"""select() builders for the tables of core (the mail outbox)."""
from __future__ import annotations

from sqlalchemy import Select, select

from mobility.core.models import OutboxMessage


def outbox_newest_first() -> Select:
    """Every message of the mail outbox, the latest first."""
    return select(OutboxMessage).order_by(OutboxMessage.id.desc())
