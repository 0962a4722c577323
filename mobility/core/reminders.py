"""Scheduled reminders go out once per stage.

A reminder command (`flask review remind`, `flask reports remind`) asks `claim(kind, target_id, stage)`
before it queues a mail: the first claim of a (kind, target, stage) records it and returns True, every
later one returns False. A stage names what the reminder is about ("due 2026-03-01", "overdue week 2",
"week 2026-W49"), so running a command twice sends nothing twice, and a run that cron missed is caught up by
the next run while the stage is still current. Two runs at once: the unique key lets only one claim win.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mobility.core.models import SentReminder
from mobility.core.once import savepoint
from mobility.extensions import db


def claim(kind: str, target_id: int, stage: str) -> bool:
    """Record that this reminder is sent now; False if it already was (by this run or another)."""
    exists = select(SentReminder.id).where(SentReminder.kind == kind, SentReminder.target_id == target_id,
                                           SentReminder.stage == stage)
    if db.session.scalar(exists) is not None:
        return False
    try:
        with savepoint():  # a concurrent run that claimed it first: this claim loses
            db.session.add(SentReminder(kind=kind, target_id=target_id, stage=stage))
    except IntegrityError:
        return False
    return True
