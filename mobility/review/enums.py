"""Review vocabulary: assignment states, review states, phases, panel decisions."""
from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class AssignmentStatus(TitledEnum):
    ASSIGNED = "assigned"            # waiting for the juror's no-conflict declaration
    ACCEPTED = "accepted"            # declared free of conflict: the juror may read and score
    CONFLICT = "conflict"            # the juror declared a conflict: access ends at once

    @classmethod
    def _titles(cls):
        return {cls.ASSIGNED: _l("To confirm"), cls.ACCEPTED: _l("Confirmed"), cls.CONFLICT: _l("Conflict declared")}


class ReviewStatus(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @classmethod
    def _titles(cls):
        return {cls.DRAFT: _l("Draft"), cls.SUBMITTED: _l("Submitted")}


class ConsensusStatus(TitledEnum):
    """Not a column: a consensus report is approved once its moderator's approval is recorded."""

    DRAFT = "draft"
    APPROVED = "approved"

    @classmethod
    def _titles(cls):
        return {cls.DRAFT: _l("Draft"), cls.APPROVED: _l("Approved")}


class PhaseKind(TitledEnum):
    INDIVIDUAL = "individual"
    CONSENSUS = "consensus"
    PANEL = "panel"

    @classmethod
    def _titles(cls):
        return {cls.INDIVIDUAL: _l("Individual review"), cls.CONSENSUS: _l("Consensus"), cls.PANEL: _l("Panel")}


class PairRule(TitledEnum):
    """A manager's instruction for one juror and one application."""

    PIN = "pin"
    FORBID = "forbid"

    @classmethod
    def _titles(cls):
        return {cls.PIN: _l("Always assign"), cls.FORBID: _l("Never assign")}


class Decision(TitledEnum):
    SHORTLIST = "shortlist"
    AWARD = "award"
    WAITLIST = "waitlist"
    REJECT = "reject"

    @classmethod
    def _titles(cls):
        return {cls.SHORTLIST: _l("Shortlist"), cls.AWARD: _l("Award"), cls.WAITLIST: _l("Waiting list"),
                cls.REJECT: _l("Reject")}
