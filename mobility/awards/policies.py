"""Who may see and act on grants."""
from __future__ import annotations

from mobility.accounts.policies import is_programme_office
from mobility.awards.models import Grant


def is_grantee(user, grant: Grant) -> bool:
    return bool(user and user.is_authenticated and grant.application.applicant_id == user.id)


def can_view_grant(user, grant: Grant) -> bool:
    return is_grantee(user, grant) or is_programme_office(user)


def can_manage_grants(user) -> bool:
    return is_programme_office(user)
