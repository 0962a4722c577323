"""Application states, team membership states, attachment kinds and screening reasons."""
from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class ApplicationStatus(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    IN_REVIEW = "in_review"
    SHORTLISTED = "shortlisted"
    AWARDED = "awarded"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _titles(cls):
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Submitted"),
            cls.ELIGIBLE: _l("Eligible"),
            cls.INELIGIBLE: _l("Not eligible"),
            cls.IN_REVIEW: _l("In review"),
            cls.SHORTLISTED: _l("Shortlisted"),
            cls.AWARDED: _l("Awarded"),
            cls.WAITLISTED: _l("On the waiting list"),
            cls.REJECTED: _l("Not selected"),
            cls.WITHDRAWN: _l("Withdrawn"),
        }


# Until the deadline an applicant may take back a submitted or withdrawn application, change it and submit again.
REOPENABLE = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN})


class HostConfirmationStatus(TitledEnum):
    """A request to the host about one version of the stay (organisation, contact, dates)."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"  # the stay changed after the request: no longer valid

    @classmethod
    def _titles(cls):
        return {cls.REQUESTED: _l("Asked, no answer yet"), cls.CONFIRMED: _l("Confirmed by the host"),
                cls.WITHDRAWN: _l("No longer valid")}


# Before a decision an applicant may still withdraw.
WITHDRAWABLE = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW,
                          ApplicationStatus.SHORTLISTED})


class MemberStatus(TitledEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @classmethod
    def _titles(cls):
        return {cls.INVITED: _l("Invited"), cls.ACCEPTED: _l("Accepted"), cls.DECLINED: _l("Declined")}


class AttachmentKind(TitledEnum):
    PORTFOLIO = "portfolio"
    CV = "cv"
    LETTER = "letter"
    OTHER = "other"

    @classmethod
    def _titles(cls):
        return {
            cls.PORTFOLIO: _l("Portfolio"),
            cls.CV: _l("CV"),
            cls.LETTER: _l("Letter (invitation, support)"),
            cls.OTHER: _l("Other document"),
        }


class ScreeningReason(TitledEnum):
    """Why an application is not eligible: a fixed list, so the applicant reads it in their language."""

    RESIDENCE = "residence"
    DATES = "dates"
    DISCIPLINE = "discipline"
    INCOMPLETE = "incomplete"
    HOST_MISSING = "host_missing"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @classmethod
    def _titles(cls):
        return {
            cls.RESIDENCE: _l("You do not live in one of the cities this call is for."),
            cls.DATES: _l("The dates or length of the stay are outside what the call allows."),
            cls.DISCIPLINE: _l("Your discipline is not one this call supports."),
            cls.INCOMPLETE: _l("Required documents or answers are missing."),
            cls.HOST_MISSING: _l("The host organisation has not confirmed the stay."),
            cls.DUPLICATE: _l("You have already applied to this call."),
            cls.OTHER: _l("Another condition of the call is not met; see the note from the office."),
        }
