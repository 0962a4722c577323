"""Network addresses are kept for a stated period only (IP_RETENTION_DAYS, 90 days by default), then removed
by the daily clean-up (`flask jobs prune`). The row stays — who did what, and when — without the address.

Every place an address is stored is declared here once, with the instant it was recorded; a test fails for
a column that looks like an address (`ip`, `*_ip`) and is not declared. A table this installation does not
have (yet) is skipped, so the list can name the acceptance records of every kind.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult

from mobility.db import utcnow
from mobility.extensions import db

# (table, column holding a network address, column holding when it was recorded)
NETWORK_ADDRESSES: tuple[tuple[str, str, str], ...] = (
    ("audit_entry", "ip", "at"),
    ("user_session", "ip", "created_at"),
    ("grant", "accepted_ip", "accepted_at"),
    ("agreement_version", "accepted_ip", "accepted_at"),
)


def retention_days() -> int:
    return int(current_app.config["IP_RETENTION_DAYS"])


def address_columns() -> list[tuple[sa.Table, sa.Column, sa.Column]]:
    """The declared columns that exist in this schema."""
    found = []
    for table_name, address, recorded in NETWORK_ADDRESSES:
        table = db.metadata.tables.get(table_name)
        if table is not None and address in table.c and recorded in table.c:
            found.append((table, table.c[address], table.c[recorded]))
    return found


def forget_network_addresses(now: datetime | None = None, days: int | None = None) -> int:
    """Clear every address recorded more than `days` (IP_RETENTION_DAYS) ago; the number of rows changed.
    Safe to run again: a cleared address is not counted twice."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days() if days is None else days)
    changed = 0
    for table, address, recorded in address_columns():
        result = db.session.execute(sa.update(table).where(address.is_not(None), recorded < cutoff)
                                    .values({address.name: None}))
        changed += cast(CursorResult, result).rowcount
    return changed
