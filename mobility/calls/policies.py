"""Who may see and change calls."""
from __future__ import annotations

from datetime import datetime

from mobility.accounts.policies import is_programme_office
from mobility.calls.enums import CallStatus
from mobility.calls.models import Call
from mobility.db import utcnow

PUBLIC_STATUSES = (CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.ARCHIVED)


def can_manage_calls(user) -> bool:
    return is_programme_office(user)


def can_view_call(user, call: Call) -> bool:
    """Drafts are the office's; everything published stays visible (in the archive once closed)."""
    return call.status in PUBLIC_STATUSES or can_manage_calls(user)


def is_open_for_applications(call: Call, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return call.status is CallStatus.PUBLISHED and call.opens_at <= now < call.closes_at
