"""Imports every model module, so the metadata (and Alembic) knows all tables."""
from mobility.accounts.models import Affiliation, LanguageSkill, User, UserDiscipline, UserRole, UserSession
from mobility.cities.models import City
from mobility.core.models import AuditEntry, OutboxMessage

__all__ = [
    "Affiliation", "AuditEntry", "City", "LanguageSkill", "OutboxMessage", "User", "UserDiscipline",
    "UserRole", "UserSession",
]
