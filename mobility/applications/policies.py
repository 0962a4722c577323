"""Who may see, change and submit an application."""
from __future__ import annotations

from mobility.applications.enums import REOPENABLE, WITHDRAWABLE, MemberStatus
from mobility.applications.models import Application
from mobility.calls.models import Call
from mobility.calls.policies import can_run_call, is_open_for_applications


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_owner(user, application: Application) -> bool:
    return _signed_in(user) and application.applicant_id == user.id


def is_team_member(user, application: Application) -> bool:
    return _signed_in(user) and any(m.user_id == user.id and m.status is MemberStatus.ACCEPTED
                                    for m in application.members)


def can_view_application(user, application: Application) -> bool:
    """The applicant, their accepted team and the call's programme office. (Assigned jurors: see review.)"""
    return is_owner(user, application) or is_team_member(user, application) \
        or can_run_call(user, application.call)


def can_edit_application(user, application: Application) -> bool:
    return (is_owner(user, application) or is_team_member(user, application)) and application.is_draft


def can_submit_application(user, application: Application) -> bool:
    """Only the lead applicant signs for the team."""
    return is_owner(user, application) and application.is_draft


def can_withdraw_application(user, application: Application) -> bool:
    return is_owner(user, application) and application.status in WITHDRAWABLE


def can_reopen_application(user, application: Application, now=None) -> bool:
    """While the call takes applications the lead applicant may take a submitted (not yet screened) or
    withdrawn application back to a draft and submit it again."""
    return is_owner(user, application) and application.status in REOPENABLE \
        and is_open_for_applications(application.call, now)


def can_manage_team(user, application: Application) -> bool:
    return is_owner(user, application) and application.is_draft


def can_screen_applications(user, call: Call) -> bool:
    return can_run_call(user, call)


def can_download_attachment(user, application: Application) -> bool:
    return can_view_application(user, application)
