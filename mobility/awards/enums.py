from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class GrantStatus(TitledEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @classmethod
    def _titles(cls):
        return {cls.OFFERED: _l("Offered"), cls.ACCEPTED: _l("Accepted"), cls.DECLINED: _l("Declined")}


class AmendmentStatus(TitledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @classmethod
    def _titles(cls):
        return {cls.PENDING: _l("Waiting for approval"), cls.APPROVED: _l("Approved"), cls.REFUSED: _l("Refused")}


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
