from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class GrantStatus(TitledEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # the offer was not answered within the call's offer period

    @classmethod
    def _titles(cls):
        return {cls.OFFERED: _l("Offered"), cls.ACCEPTED: _l("Accepted"), cls.DECLINED: _l("Declined"),
                cls.EXPIRED: _l("Offer expired")}


class InstalmentState(TitledEnum):
    """Where an instalment stands, derived from the grant and its payments (awards.services.instalments):
    no column stores it."""

    NOT_DUE = "not_due"
    DUE = "due"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERPAID = "overpaid"

    @classmethod
    def _titles(cls):
        return {cls.NOT_DUE: _l("Not due yet"), cls.DUE: _l("Due"), cls.PARTLY_PAID: _l("Partly paid"),
                cls.PAID: _l("Paid in full"), cls.OVERPAID: _l("Overpaid")}


class AmendmentStatus(TitledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @classmethod
    def _titles(cls):
        return {cls.PENDING: _l("Waiting for approval"), cls.APPROVED: _l("Approved"), cls.REFUSED: _l("Refused")}


class AgreementStatus(TitledEnum):
    """One version of the grant agreement: offered to the grantee, then accepted, declined, or replaced."""
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUPERSEDED = "superseded"

    @classmethod
    def _titles(cls):
        return {cls.OFFERED: _l("Awaiting acceptance"), cls.ACCEPTED: _l("Accepted"), cls.DECLINED: _l("Declined"),
                cls.SUPERSEDED: _l("Replaced by a later version")}


LINE_TITLES = {
    "travel": _l("Travel (distance band)"),
    "daily": _l("Daily allowance (person-days)"),
    "green": _l("Green travel top-up"),
    "visa": _l("Visa top-up"),
    "family": _l("Family top-up (children)"),
    "accessibility": _l("Accessibility top-up (days)"),
    "accessibility_costs": _l("Assistant or interpreter (actual cost)"),
}

CURRENCIES = ("CNY", "JPY", "KRW")


class NoticeOutcome(TitledEnum):
    """What the decision letter told the applicant. `not_funded`: the panel locked its decisions with the
    application still shortlisted or undecided."""

    AWARD = "award"
    WAITLIST = "waitlist"
    REJECT = "reject"
    NOT_FUNDED = "not_funded"

    @classmethod
    def _titles(cls):
        return {cls.AWARD: _l("Grant awarded"), cls.WAITLIST: _l("On the waiting list"),
                cls.REJECT: _l("Not funded"), cls.NOT_FUNDED: _l("Not funded: the panel closed without a grant for it")}


class RedressStatus(TitledEnum):
    """A request for review of a decision: waiting for the office, then upheld or rejected (once); an upheld
    request ends when the office has reconsidered the decision (once, awards.redress.reconsider)."""

    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"
    RECONSIDERED = "reconsidered"

    @classmethod
    def _titles(cls):
        return {cls.PENDING: _l("Waiting for the office"), cls.UPHELD: _l("Upheld"),
                cls.REJECTED: _l("Rejected"), cls.RECONSIDERED: _l("Decision reconsidered")}
