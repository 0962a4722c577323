"""Programme indicators, computed in SQL (one aggregate query per figure group), with the list behind each.

Every figure has a drill-down: `figure_rows(name, filters)` returns the rows it counts, so a test can
prove that a figure always equals the length of its list.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, Text, case, cast, extract, func, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.applications.queries import matching_exchange
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant, Payment
from mobility.calls.models import Call
from mobility.cities.enums import Direction
from mobility.core import memo
from mobility.core.paging import ListPage, existing_page
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
    # Only the grants accepted by their grantee (the public pages), not those still offered.
    accepted_only: bool = False

    def __post_init__(self):
        if self.programme_ids is not None:  # one order, so equal scopes share a cache entry
            object.__setattr__(self, "programme_ids", tuple(sorted(self.programme_ids)))

    def calls(self, stmt: Select, call_id: InstrumentedAttribute[int]) -> Select:
        """`stmt` narrowed to the calls asked for (programmes, one call, the year of the round) by `call_id`."""
        if self.programme_ids is not None:
            stmt = stmt.where(call_id.in_(select(Call.id).where(Call.programme_id.in_(self.programme_ids))))
        if self.call_id:
            stmt = stmt.where(call_id == self.call_id)
        if self.year:
            stmt = stmt.where(call_id.in_(select(Call.id).where(extract("year", Call.closes_at) == self.year)))
        return stmt

    def applications(self, stmt: Select) -> Select:
        stmt = self.calls(stmt, Application.call_id)
        return matching_exchange(stmt, pair_id=self.pair_id, direction=self.direction, discipline=self.discipline)

    def grants(self, stmt: Select) -> Select:
        """`stmt` over grants narrowed as applications() narrows theirs. A grant's call is its application's,
        so the calls are read from the grant itself; the application is joined only for its exchange (pair,
        direction, discipline): counting 8,000 reports of a programme then reads no table of 100,000
        applications (18 ms → 3 ms)."""
        stmt = self.calls(stmt, Grant.call_id)
        if self.pair_id or self.direction or self.discipline:
            stmt = matching_exchange(stmt.join(Application, Application.id == Grant.application_id),
                                     pair_id=self.pair_id, direction=self.direction, discipline=self.discipline)
        return stmt


# ---- the lists behind the figures -----------------------------------------------------------

def _applications(filters: Filters) -> Select:
    return filters.applications(select(Application).where(Application.status.not_in(NOT_SUBMITTED)))


def _grants(filters: Filters) -> Select:
    return filters.grants(select(Grant).where(Grant.status.in_((GrantStatus.ACCEPTED,) if filters.accepted_only
                                                               else COMMITTED)))


def _reports(filters: Filters) -> Select:
    return filters.grants(select(FinalReport).join(Grant, Grant.id == FinalReport.grant_id)
                          .where(FinalReport.status == ReportStatus.APPROVED))


def _travellers(travellers) -> ColumnElement:
    """The people a grant sends: its travellers, one when none is listed (as services.co2_kg counts them)."""
    return func.coalesce(func.nullif(func.json_array_length(travellers), 0), 1)


def _co2_kg(distance_km, travellers, travel_mode) -> ColumnElement:
    """A round trip per traveller at the mode's factor (services.co2_kg, in SQL); 0 without a mode."""
    factor = case(*[(travel_mode == mode.value, float(CO2_KG_PER_KM[mode])) for mode in TravelMode], else_=0.0)
    return distance_km * 2 * _travellers(travellers) * factor


def _sector_matches(sectors, sector: Sector) -> ColumnElement:
    return cast(sectors, Text).like(f'%"{sector.value}"%')


def _sector_reports(sector: Sector) -> Callable[[Filters], Select]:
    return lambda f: _reports(f).where(_sector_matches(FinalReport.sectors, sector))


# Each figure of the dashboard and the list it counts (or sums, for the figures `SUMMED` names).
DRILL_DOWN: dict[str, Callable[[Filters], Select]] = {
    "applications": lambda f: _applications(f),
    "eligible": lambda f: _applications(f).where(Application.status.not_in(NOT_ELIGIBLE)),
    "awarded": lambda f: _applications(f).where(Application.status == ApplicationStatus.AWARDED),
    "grants": _grants,
    "days": _grants,
    "artists": _grants,
    "reports": _reports,
    "co_creations": lambda f: _reports(f).where(func.length(FinalReport.co_creations) > 0),
    "audience": lambda f: _reports(f).where(FinalReport.audience > 0),
    "co2": lambda f: _reports(f).where(FinalReport.travel_mode.is_not(None)),
    **{f"sector_{s.value}": _sector_reports(s) for s in Sector},
}
# The figures that are a sum over their list, with the column that each row adds to it.
SUMMED = {"days": "days", "artists": "traveller_count", "audience": "audience", "co2": "co2_kg", "grants": "amount"}
APPLICATION_LISTS = ("applications", "eligible", "awarded")
REPORT_LISTS = tuple(name for name in DRILL_DOWN if name in ("reports", "co_creations", "audience", "co2")
                     or name.startswith("sector_"))


def figure_query(name: str, filters: Filters) -> Select:
    """The list behind a figure, in a stable order; the rows of grants and reports carry the value each adds
    to a summed figure (travellers, kg CO2e) beside the entity."""
    stmt = DRILL_DOWN[name](filters)
    if name in REPORT_LISTS:
        return (stmt.add_columns(func.round(_co2_kg(Grant.distance_km, Grant.travellers, FinalReport.travel_mode))
                                 .label("co2_kg"))
                .order_by(FinalReport.id))
    if name in APPLICATION_LISTS:
        return stmt.order_by(Application.id)
    return stmt.add_columns(_travellers(Grant.travellers).label("traveller_count")).order_by(Grant.id)


def list_kind(name: str) -> str:
    """What the list behind a figure holds: "applications", "grants" or "reports"."""
    return "applications" if name in APPLICATION_LISTS else "reports" if name in REPORT_LISTS else "grants"


def figure_page(name: str, filters: Filters, page: int, per_page: int) -> ListPage:
    """One page of the list behind a figure as plain rows, with what the page shows of each (its application's
    reference, title, languages and direction; the entity's status; the value each adds to a summed figure):
    two statements, whatever the page size, and no entity (with its texts and answers) loaded."""
    stmt = figure_query(name, filters).order_by(None)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    number = existing_page(page, per_page, total)
    kind = list_kind(name)
    shown = aliased(Application) if kind != "applications" else Application
    status = {"applications": Application.status, "grants": Grant.status, "reports": FinalReport.status}[kind]
    columns: list[Any] = [shown.id, shown.reference, shown.title, shown.languages, shown.direction, status]
    if kind == "grants":
        columns += [Grant.amount, Grant.days, _travellers(Grant.travellers).label("traveller_count")]
    elif kind == "reports":
        columns += [FinalReport.audience, FinalReport.travel_mode,
                    func.round(_co2_kg(Grant.distance_km, Grant.travellers, FinalReport.travel_mode)).label("co2_kg")]
    rows = figure_query(name, filters).with_only_columns(*columns)
    if kind != "applications":
        rows = rows.join(shown, shown.id == Grant.application_id)
    items = db.session.execute(rows.limit(per_page).offset((number - 1) * per_page)).all()
    return ListPage(items=items, page=number, per_page=per_page, total=total)


def figure_rows(name: str, filters: Filters) -> Sequence:
    """The entities a figure counts (applications, grants or final reports)."""
    return db.session.scalars(figure_query(name, filters)).all()


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
    artists: int = 0  # the travellers of the committed grants

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
    grant_row = db.session.execute(grant_figures(filters)).one()
    report_row = db.session.execute(report_figures(filters, sectors=True)).one()
    return Indicators(
        applications=counts[0], eligible=int(counts[1]), awarded=int(counts[2]),
        grants=grant_row.grants, committed=Decimal(str(grant_row.committed)), paid=Decimal(str(grant_row.paid)),
        mobility_days=int(grant_row.days), artists=int(grant_row.artists), reports=report_row.reports,
        co_creations=int(report_row.co_creations), audience=int(report_row.audience),
        co2_kg=int(round(float(report_row.co2_kg))),
        by_direction={str(k.value if hasattr(k, "value") else k): v for k, v in by_direction.items() if k},
        by_discipline={str(k.value if hasattr(k, "value") else k): v for k, v in by_discipline.items() if k},
        sectors={s.value: int(report_row._mapping[f"sector_{s.value}"]) for s in Sector},
    )


# ---- the same figures per city pair, direction and year (the outcome table) -------------------

def _year(stmt: Select) -> Select:
    """The year of the round: the year its call closed (the dashboard's year filter), for a statement over
    grants (_grants, _reports)."""
    return stmt.join(Call, Call.id == Grant.call_id).add_columns(
        cast(extract("year", Call.closes_at), Integer).label("year"))


def grant_figures(filters: Filters, *, by_exchange: bool = False) -> Select:
    """One aggregate statement over the committed grants: how many, their sum, days, travellers and what was
    paid on them; one row in all, or one per pair × direction × year (`by_exchange`)."""
    stmt = _grants(filters).add_columns(_travellers(Grant.travellers).label("traveller_count"))
    grants = (_year(stmt) if by_exchange else stmt).subquery("committed_grants")
    paid = (select(Payment.grant_id, func.sum(Payment.amount).label("paid"))
            .where(Payment.grant_id.in_(select(grants.c.id))).group_by(Payment.grant_id).subquery("paid"))
    keys = (grants.c.pair_id, grants.c.direction, grants.c.year) if by_exchange else ()
    return (select(*keys, func.count().label("grants"),
                   func.coalesce(func.sum(grants.c.amount), 0).label("committed"),
                   func.coalesce(func.sum(grants.c.days), 0).label("days"),
                   func.coalesce(func.sum(grants.c.traveller_count), 0).label("artists"),
                   func.coalesce(func.sum(paid.c.paid), 0).label("paid"))
            .select_from(grants).outerjoin(paid, paid.c.grant_id == grants.c.id).group_by(*keys))


def report_figures(filters: Filters, *, by_exchange: bool = False, sectors: bool = False) -> Select:
    """One aggregate statement over the approved final reports: how many, co-creations, audiences and the
    CO2 of the travel (travellers counted); one row in all, or one per pair × direction × year."""
    stmt = _reports(filters).add_columns(
        func.coalesce(_co2_kg(Grant.distance_km, Grant.travellers, FinalReport.travel_mode), 0).label("co2"),
        Grant.pair_id.label("grant_pair_id"), Grant.direction.label("grant_direction"))
    reports = (_year(stmt) if by_exchange else stmt).subquery("approved_reports")
    keys = (reports.c.grant_pair_id, reports.c.grant_direction, reports.c.year) if by_exchange else ()
    return select(
        *keys, func.count().label("reports"),
        func.coalesce(func.sum(case((func.length(reports.c.co_creations) > 0, 1), else_=0)), 0).label("co_creations"),
        func.coalesce(func.sum(reports.c.audience), 0).label("audience"),
        func.coalesce(func.sum(reports.c.co2), 0).label("co2_kg"),
        *[func.coalesce(func.sum(case((_sector_matches(reports.c.sectors, s), 1), else_=0)), 0)
          .label(f"sector_{s.value}") for s in (Sector if sectors else ())],
    ).select_from(reports).group_by(*keys)


@dataclass
class OutcomeRow:
    """What the funded exchanges of one pair, in one direction, in one year's round came to."""

    pair_id: int
    direction: str
    year: int
    exchanges: int = 0      # committed grants (offered or accepted)
    artists: int = 0        # their travellers
    days: int = 0
    committed: Decimal = Decimal("0")
    paid: Decimal = Decimal("0")
    reports: int = 0        # approved final reports, which the next figures come from
    co_creations: int = 0
    audience: int = 0
    co2_kg: int = 0

    @property
    def direction_title(self) -> str:
        """The direction in the reader's language (never its code)."""
        try:
            return str(Direction(self.direction).title)
        except ValueError:
            return self.direction


def current_outcomes(filters: Filters) -> list[OutcomeRow]:
    """outcomes(), kept until their programme's figures change (the dashboard's scopes)."""
    return memo.remember("outcomes", filters, memo.dashboard_scopes(filters.programme_ids), list[OutcomeRow],
                         lambda: outcomes(filters))


def outcomes(filters: Filters) -> list[OutcomeRow]:
    """The outcome table: two aggregate statements (grants, reports) grouped by pair, direction and year,
    ordered by pair, year, direction. Its column totals are the dashboard's figures for the same filters."""
    rows: dict[tuple, OutcomeRow] = {}

    def row(pair_id, direction, year) -> OutcomeRow:
        key = (int(pair_id), str(getattr(direction, "value", direction)), int(year))
        return rows.setdefault(key, OutcomeRow(*key))

    for g in db.session.execute(grant_figures(filters, by_exchange=True)):
        r = row(g.pair_id, g.direction, g.year)
        r.exchanges, r.artists, r.days = g.grants, int(g.artists), int(g.days)
        r.committed, r.paid = Decimal(str(g.committed)), Decimal(str(g.paid))
    for p in db.session.execute(report_figures(filters, by_exchange=True)):
        r = row(p.grant_pair_id, p.grant_direction, p.year)
        r.reports, r.co_creations, r.audience = p.reports, int(p.co_creations), int(p.audience)
        r.co2_kg = int(round(float(p.co2_kg)))
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[2], k[1]))]


def outcome_totals(rows: Sequence[OutcomeRow]) -> OutcomeRow:
    """The column sums (pair 0, direction "", year 0)."""
    total = OutcomeRow(0, "", 0)
    for r in rows:
        for name in ("exchanges", "artists", "days", "committed", "paid", "reports", "co_creations", "audience",
                     "co2_kg"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total
