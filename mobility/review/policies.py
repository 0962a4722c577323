"""Who may see and do what in review."""
from __future__ import annotations

from mobility.calls.models import Call
from mobility.calls.policies import can_run_call
from mobility.review.enums import AssignmentStatus
from mobility.review.models import Assignment


def can_manage_review(user, call: Call) -> bool:
    return can_run_call(user, call)


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


def sees_identity_in_call(user, call: Call) -> bool:
    return not call.blind_review or can_manage_review(user, call)


def can_draft_consensus(user, call: Call, assignment: Assignment | None, phase) -> bool:
    """A juror who reviewed the application may act as rapporteur once the consensus phase is on."""
    return (phase.can_see_others_reviews and assignment is not None and can_read_application(user, assignment)) \
        or (phase.can_see_others_reviews and can_manage_review(user, call))


def can_approve_consensus(user, call: Call) -> bool:
    """The moderator is the call's programme office."""
    return can_manage_review(user, call)
