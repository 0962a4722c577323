"""Programme indicators, computed in SQL (one aggregate query per figure group), with the list behind each.

Every figure has a drill-down: `figure_rows(name, filters)` returns the rows it counts, so a test can
prove that a figure always equals the length of its list.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, Text, case, cast, extract, func, select

from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.applications.queries import matching_exchange
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant, Payment
from mobility.calls.models import Call
from mobility.core import memo
from mobility.extensions import db
from mobility.reports.enums import CO2_KG_PER_KM, ReportStatus, Sector, TravelMode
from mobility.reports.models import FinalReport

NOT_SUBMITTED = (ApplicationStatus.DRAFT,)
NOT_ELIGIBLE = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.INELIGIBLE)
COMMITTED = (GrantStatus.OFFERED, GrantStatus.ACCEPTED)


@dataclass(frozen=True)
class Filters:
    # The programmes whose calls are counted (a manager's own); None counts every programme (admins).
    programme_ids: tuple[int, ...] | None = None
    call_id: int | None = None
    pair_id: int | None = None
    direction: str | None = None
    discipline: str | None = None
    year: int | None = None

    def __post_init__(self):
        if self.programme_ids is not None:  # one order, so equal scopes share a cache entry
            object.__setattr__(self, "programme_ids", tuple(sorted(self.programme_ids)))

    def applications(self, stmt: Select) -> Select:
        if self.programme_ids is not None:
            stmt = stmt.where(Application.call_id.in_(select(Call.id).where(
                Call.programme_id.in_(self.programme_ids))))
        if self.call_id:
            stmt = stmt.where(Application.call_id == self.call_id)
        stmt = matching_exchange(stmt, pair_id=self.pair_id, direction=self.direction, discipline=self.discipline)
        if self.year:
            stmt = stmt.where(Application.call_id.in_(select(Call.id).where(
                extract("year", Call.closes_at) == self.year)))
        return stmt


# ---- the lists behind the figures -----------------------------------------------------------

def _applications(filters: Filters) -> Select:
    return filters.applications(select(Application).where(Application.status.not_in(NOT_SUBMITTED)))


def _grants(filters: Filters) -> Select:
    return filters.applications(_of_call(select(Grant).join(Application, Application.id == Grant.application_id)
                                         .where(Grant.status.in_(COMMITTED)), filters))


def _reports(filters: Filters) -> Select:
    return filters.applications(_of_call(select(FinalReport).join(Grant, Grant.id == FinalReport.grant_id)
                                         .join(Application, Application.id == Grant.application_id)
                                         .where(FinalReport.status == ReportStatus.APPROVED), filters))


def _of_call(stmt: Select, filters: Filters) -> Select:
    """The grant's own call as well as its application's: the grants' index then finds one call's grants
    without reading all of them."""
    return stmt.where(Grant.call_id == filters.call_id) if filters.call_id else stmt


DRILL_DOWN = {
    "applications": lambda f: _applications(f),
    "eligible": lambda f: _applications(f).where(Application.status.not_in(NOT_ELIGIBLE)),
    "awarded": lambda f: _applications(f).where(Application.status == ApplicationStatus.AWARDED),
    "grants": _grants,
    "reports": _reports,
}


def figure_query(name: str, filters: Filters) -> Select:
    return DRILL_DOWN[name](filters).order_by(*_order(name))


def figure_rows(name: str, filters: Filters) -> Sequence:
    return db.session.scalars(figure_query(name, filters)).all()


def _order(name: str):
    return (FinalReport.id,) if name == "reports" else (Grant.id,) if name == "grants" else (Application.id,)


# ---- the figures ----------------------------------------------------------------------------

@dataclass
class Indicators:
    applications: int
    eligible: int
    awarded: int
    grants: int
    committed: Decimal
    paid: Decimal
    mobility_days: int
    reports: int
    co_creations: int
    audience: int
    co2_kg: int
    by_direction: dict[str, int]
    by_discipline: dict[str, int]
    sectors: dict[str, int]

    @property
    def eligibility_rate(self) -> float | None:
        return self.eligible / self.applications if self.applications else None

    @property
    def success_rate(self) -> float | None:
        return self.awarded / self.eligible if self.eligible else None


# Every table indicators() reads: a service that changes what they count (a submission, a status, a grant,
# a payment, an approved report, a call's dates or programme) calls memo.dashboard_changed(programme_id).
DASHBOARD_TABLES = tuple(model.__tablename__ for model in (Application, Grant, Payment, FinalReport, Call))


def current_indicators(filters: Filters) -> Indicators:
    """indicators(), counted again only once their programme's figures have changed (per programme: a
    manager's dashboard counts their programmes, an admin's every programme)."""
    return memo.remember("dashboard", filters, memo.dashboard_scopes(filters.programme_ids), Indicators,
                         lambda: indicators(filters))


def indicators(filters: Filters) -> Indicators:
    """Three aggregate statements: applications, grants (with payments), final reports."""
    apps = _applications(filters).subquery()
    # One pass over the applications, grouped by direction and discipline; totals are the group sums.
    groups = db.session.execute(select(
        apps.c.direction, apps.c.discipline, func.count(),
        func.sum(case((apps.c.status.not_in([s.value for s in NOT_ELIGIBLE]), 1), else_=0)),
        func.sum(case((apps.c.status == ApplicationStatus.AWARDED.value, 1), else_=0)),
    ).group_by(apps.c.direction, apps.c.discipline)).all()
    by_direction: dict = {}
    by_discipline: dict = {}
    for direction, discipline, count, _eligible, _awarded in groups:
        by_direction[direction] = by_direction.get(direction, 0) + count
        by_discipline[discipline] = by_discipline.get(discipline, 0) + count
    counts = (sum(g[2] for g in groups), sum(int(g[3]) for g in groups), sum(int(g[4]) for g in groups))

    # A common table expression read twice (the grants, then their payments) is computed once.
    grants = _grants(filters).cte("committed_grants")
    paid = select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.grant_id.in_(select(grants.c.id))).scalar_subquery()
    grant_row = db.session.execute(select(func.count(), func.coalesce(func.sum(grants.c.amount), 0),
                                          func.coalesce(func.sum(grants.c.days), 0), paid)
                                   .select_from(grants)).one()
    paid = grant_row[3]

    # The grant's distance comes along in the same join (the drill-down list needs only the reports).
    reports = _reports(filters).add_columns(Grant.distance_km.label("grant_distance_km")).subquery()
    sector_text = cast(reports.c.sectors, Text)
    factor = case(*[(reports.c.travel_mode == mode.value, float(CO2_KG_PER_KM[mode])) for mode in TravelMode],
                  else_=0.0)
    report_row = db.session.execute(select(
        func.count(),
        func.coalesce(func.sum(case((func.length(reports.c.co_creations) > 0, 1), else_=0)), 0),
        func.coalesce(func.sum(reports.c.audience), 0),
        func.coalesce(func.sum(reports.c.grant_distance_km * 2 * factor), 0),
        *[func.coalesce(func.sum(case((sector_text.like(f'%"{s.value}"%'), 1), else_=0)), 0) for s in Sector],
    ).select_from(reports)).one()
    return Indicators(
        applications=counts[0], eligible=int(counts[1]), awarded=int(counts[2]),
        grants=grant_row[0], committed=Decimal(str(grant_row[1])), paid=Decimal(str(paid)),
        mobility_days=int(grant_row[2]), reports=report_row[0], co_creations=int(report_row[1]),
        audience=int(report_row[2]), co2_kg=int(round(float(report_row[3]))),
        by_direction={str(k.value if hasattr(k, "value") else k): v for k, v in by_direction.items() if k},
        by_discipline={str(k.value if hasattr(k, "value") else k): v for k, v in by_discipline.items() if k},
        sectors={s.value: int(n) for s, n in zip(Sector, report_row[4:])},
    )
