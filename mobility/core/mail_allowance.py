"""Mail to addresses someone typed (a host, a team member) is limited per application and per account.

Each such request is audited (`application.member_invited`, `application.host_asked`); before another one
the service calls `check(actor, target, field=…)`, which counts those entries of the last 24 hours about
the target and by the actor and refuses past `TYPED_MAIL_PER_APPLICATION_PER_DAY` /
`TYPED_MAIL_PER_ACCOUNT_PER_DAY`. So nobody can use the system to mail strangers in bulk.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app

from mobility.core.errors import DomainError
from mobility.core.queries import recent_actions_count
from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow
from mobility.extensions import db

# The audited actions that mail an address typed by the actor.
TYPED_ADDRESS_ACTIONS = ("application.member_invited", "application.host_asked")


def check(actor, target, *, field: str) -> None:
    """Refuse (on `field`) when `target` or `actor` has made the system mail typed addresses too often today."""
    config = current_app.config
    since = utcnow() - timedelta(days=1)
    per_target = config["TYPED_MAIL_PER_APPLICATION_PER_DAY"]
    sent = db.session.scalar(recent_actions_count(TYPED_ADDRESS_ACTIONS, since, target_type=type(target).__name__,
                                                  target_id=target.id))
    if sent >= per_target:
        raise DomainError(_l("This application has sent %(n)s invitations and confirmation requests in the last "
                             "24 hours, as many as allowed. Please try again tomorrow.", n=per_target), field=field)
    per_actor = config["TYPED_MAIL_PER_ACCOUNT_PER_DAY"]
    if db.session.scalar(recent_actions_count(TYPED_ADDRESS_ACTIONS, since, actor_id=actor.id)) >= per_actor:
        raise DomainError(_l("You have sent %(n)s invitations and confirmation requests in the last 24 hours, as "
                             "many as allowed. Please try again tomorrow.", n=per_actor), field=field)
