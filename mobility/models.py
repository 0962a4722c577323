"""Imports every model module, so the metadata (and Alembic) knows all tables."""
from mobility.accounts.models import Affiliation, LanguageSkill, User, UserDiscipline, UserRole, UserSession
from mobility.api.models import ApiToken
from mobility.applications.models import Application, Attachment, HostConfirmation, Receipt, TeamMember
from mobility.awards.models import ExchangeRate, Grant, GrantAmendment, Payment
from mobility.calls.models import (
    Call,
    CallBudget,
    CallDiscipline,
    DistanceBand,
    EligibilityRule,
    PerDiemRate,
    Question,
    RubricCriterion,
)
from mobility.cities.models import City, CityPair
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.jobs.models import BackgroundJob
from mobility.reports.models import FinalReport, InterimReport, ReportPhoto
from mobility.review.models import (
    Assignment,
    AssignmentRule,
    CallJuror,
    ConsensusReport,
    PanelDecision,
    Review,
    ReviewPhase,
)

__all__ = [
    "ApiToken",
    "BackgroundJob",
    "FinalReport", "InterimReport", "ReportPhoto",
    "ExchangeRate", "Grant", "GrantAmendment", "Payment",
    "Assignment", "AssignmentRule", "CallJuror", "ConsensusReport", "PanelDecision", "Review", "ReviewPhase",
    "Application", "Attachment", "HostConfirmation", "Receipt", "TeamMember",
    "Affiliation", "AuditEntry", "Call", "CallBudget", "CallDiscipline", "City", "CityPair", "DistanceBand", "EligibilityRule",
    "PerDiemRate", "Question", "RubricCriterion", "LanguageSkill", "OutboxMessage", "User", "UserDiscipline",
    "UserRole", "UserSession",
]
