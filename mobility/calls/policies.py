"""Who may see and change calls."""
from __future__ import annotations

from datetime import datetime

from mobility.accounts.policies import is_programme_office, runs_programme
from mobility.calls.enums import CallStatus
from mobility.calls.models import Call
from mobility.db import utcnow

PUBLIC_STATUSES = (CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.ARCHIVED)


def can_manage_calls(user) -> bool:
    """The office's own pages at all: the list of the calls one runs, a new call."""
    return is_programme_office(user)


def can_run_call(user, call: Call) -> bool:
    """Set up, screen, assign, decide, pay: the managers of the call's programme, and admins."""
    return runs_programme(user, call.programme_id)


def can_view_call(user, call: Call) -> bool:
    """Drafts are their programme's; everything published stays visible (in the archive once closed)."""
    return call.status in PUBLIC_STATUSES or can_run_call(user, call)


def is_open_for_applications(call: Call, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return call.status is CallStatus.PUBLISHED and call.opens_at <= now < call.closes_at


def submissions_ended(call: Call, now: datetime | None = None) -> bool:
    """The deadline has passed, or the office closed the call before it: no application can be submitted
    again, and one reopened counts as last submitted (applications.services.restore_last_submission)."""
    return (now or utcnow()) >= call.closes_at or call.status in (CallStatus.CLOSED, CallStatus.ARCHIVED)
