"""Who may see and do what in review."""
from __future__ import annotations

from mobility.accounts.policies import is_programme_office
from mobility.review.enums import AssignmentStatus
from mobility.review.models import Assignment


def can_manage_review(user) -> bool:
    return is_programme_office(user)


def is_assigned(user, assignment: Assignment) -> bool:
    return bool(user and user.is_authenticated and assignment.juror_id == user.id)


def can_declare(user, assignment: Assignment) -> bool:
    return is_assigned(user, assignment) and assignment.status is AssignmentStatus.ASSIGNED


def can_read_application(user, assignment: Assignment) -> bool:
    """Only after the no-conflict declaration; a declared conflict ends access at once."""
    return is_assigned(user, assignment) and assignment.status is AssignmentStatus.ACCEPTED


def sees_identity(user, assignment: Assignment) -> bool:
    """Blind calls hide who applied from jurors everywhere they can reach."""
    return not assignment.application.call.blind_review or can_manage_review(user)
