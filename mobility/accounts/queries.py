"""select() builders and small reads for accounts."""
from __future__ import annotations

from sqlalchemy import select

from mobility.accounts.models import Programme
from mobility.accounts.policies import programme_scope
from mobility.extensions import db


def runnable_programmes(user) -> list[Programme]:
    """The programmes `user` may run calls in, by name: all of them for an admin."""
    scope = programme_scope(user)
    if scope is None:
        return list(db.session.scalars(select(Programme).order_by(Programme.name)))
    return list(user.programmes) if scope else []  # the relationship is ordered by name
