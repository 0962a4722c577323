"""Who may see and act on grants."""
from __future__ import annotations

from mobility.applications.models import Application
from mobility.awards.models import Grant
from mobility.calls.models import Call
from mobility.calls.policies import can_run_call


def is_grantee(user, grant: Grant) -> bool:
    return bool(user and user.is_authenticated and grant.application.applicant_id == user.id)


def can_view_grant(user, grant: Grant) -> bool:
    return is_grantee(user, grant) or can_run_call(user, grant.application.call)


def can_manage_grants(user, call: Call) -> bool:
    return can_run_call(user, call)


def can_read_evaluation(user, application: Application) -> bool:
    """The applicant's evaluation summary and request for review: the applicant and the call's office."""
    return bool(user and user.is_authenticated) and (
        application.applicant_id == user.id or can_run_call(user, application.call))


def can_request_redress(user, application: Application) -> bool:
    """Only the lead applicant asks for a review of the decision (the window is the service's rule)."""
    return bool(user and user.is_authenticated and application.applicant_id == user.id)


def can_decide_redress(user, call: Call) -> bool:
    return can_run_call(user, call)
