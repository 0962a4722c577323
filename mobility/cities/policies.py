"""Who may change cities and pairs (everyone may read them)."""
from __future__ import annotations

from mobility.accounts.policies import is_programme_office


def can_manage_cities(user) -> bool:
    return is_programme_office(user)
