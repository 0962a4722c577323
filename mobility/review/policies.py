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
    return sees_identity_in_call(user, assignment.application.call)


def sees_identity_in_call(user, call) -> bool:
    return not call.blind_review or can_manage_review(user)


def can_draft_consensus(user, assignment: Assignment | None, phase) -> bool:
    """A juror who reviewed the application may act as rapporteur once the consensus phase is on."""
    return (phase.can_see_others_reviews and assignment is not None and can_read_application(user, assignment)) \
        or (phase.can_see_others_reviews and can_manage_review(user))


def can_approve_consensus(user) -> bool:
    """The moderator is the programme office."""
    return can_manage_review(user)
