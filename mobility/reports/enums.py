"""Report states, sectors touched and travel modes (with their CO₂ factors)."""
from __future__ import annotations

from decimal import Decimal

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class ReportStatus(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"

    @classmethod
    def _titles(cls):
        return {cls.DRAFT: _l("Draft"), cls.SUBMITTED: _l("Submitted"),
                cls.CHANGES_REQUESTED: _l("Changes requested"), cls.APPROVED: _l("Approved")}


# The report is due this many days after the last day of the stay (the grant agreement says so).
REPORT_DUE_DAYS = 30
# The states in which the grantee still owes the report (it can be late in them).
OWED = (ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED)


class ReportState(TitledEnum):
    """Where an accepted grant's report stands on the office's desk: its report's status, or not started."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"

    @classmethod
    def _titles(cls):
        return {cls.NOT_STARTED: _l("Not started"), cls.DRAFT: _l("Draft"), cls.SUBMITTED: _l("Submitted"),
                cls.CHANGES_REQUESTED: _l("Changes asked"), cls.APPROVED: _l("Approved")}


class Sector(TitledEnum):
    CREATIVE = "creative"
    TOURISM = "tourism"
    ENERGY_ENVIRONMENT = "energy_environment"
    BUSINESS = "business"
    RURAL_DEVELOPMENT = "rural_development"
    CARE = "care"
    EDUCATION = "education"
    HEALTH = "health"
    TECHNOLOGY = "technology"

    @classmethod
    def _titles(cls):
        return {cls.CREATIVE: _l("Creative sector"), cls.TOURISM: _l("Tourism"),
                cls.ENERGY_ENVIRONMENT: _l("Energy and environment"), cls.BUSINESS: _l("Business"),
                cls.RURAL_DEVELOPMENT: _l("Rural development"), cls.CARE: _l("Care"), cls.EDUCATION: _l("Education"),
                cls.HEALTH: _l("Health"), cls.TECHNOLOGY: _l("Technology")}


class TravelMode(TitledEnum):
    PLANE = "plane"
    TRAIN = "train"
    BUS = "bus"
    SHIP = "ship"
    CAR = "car"

    @classmethod
    def _titles(cls):
        return {cls.PLANE: _l("Plane"), cls.TRAIN: _l("Train"), cls.BUS: _l("Bus or coach"), cls.SHIP: _l("Ship"),
                cls.CAR: _l("Car")}


# kg CO₂e per passenger-km (rounded from the UK government's 2024 conversion factors; long-haul
# flights include the radiative-forcing uplift). An estimate, shown as such.
CO2_KG_PER_KM = {
    TravelMode.PLANE: Decimal("0.19"),
    TravelMode.TRAIN: Decimal("0.04"),
    TravelMode.BUS: Decimal("0.03"),
    TravelMode.SHIP: Decimal("0.12"),
    TravelMode.CAR: Decimal("0.17"),
}


def co2_estimate(distance_km: int, travellers: int, mode: TravelMode | None) -> Decimal | None:
    """A round trip per traveller (at least one) at the mode's factor, in kg: an estimate for the indicators."""
    if mode is None:
        return None
    return (Decimal(distance_km) * 2 * max(travellers, 1) * CO2_KG_PER_KM[mode]).quantize(Decimal("1"))
