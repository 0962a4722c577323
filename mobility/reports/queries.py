"""select() builders and small reads for final reports and funded exchanges (the public, personal-data-free view
of the programme)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Row, Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from mobility.accounts.models import User
from mobility.applications.models import Application
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant
from mobility.calls.models import Call
from mobility.cities.enums import Direction
from mobility.core.models import AuditEntry, SentReminder
from mobility.core.paging import ListPage, existing_page
from mobility.extensions import db
from mobility.reports.enums import OWED, REPORT_DUE_DAYS, ReportState, ReportStatus
from mobility.reports.models import FinalReport, InterimReport

REMINDER_KIND = "final_report"  # the kind of the report reminders in sent_reminder (core/reminders.py)
INTERIM_REMINDER_KIND = "interim_report"


def funded_exchanges(pair_id: int | None = None) -> Select:
    """Accepted grants with their application and, when approved, their report (outer join)."""
    stmt = (select(Grant, FinalReport)
            .outerjoin(FinalReport, (FinalReport.grant_id == Grant.id) & (FinalReport.status == ReportStatus.APPROVED))
            .where(Grant.status == GrantStatus.ACCEPTED)
            .options(selectinload(Grant.application).selectinload(Application.origin_city),
                     selectinload(Grant.application).selectinload(Application.pair),
                     selectinload(Grant.application).selectinload(Application.call))
            .order_by(Grant.start_date, Grant.id))
    if pair_id is not None:
        stmt = stmt.where(Grant.pair_id == pair_id)
    return stmt


def funded_exchanges_page(pair_id: int, page: int, per_page: int) -> ListPage:
    """One page of a pair's funded exchanges (accepted grants, oldest stay first) with their approved reports,
    in two statements: the count, then the page with each grant's application (its pair and cities are the
    page's own, already loaded)."""
    total = db.session.scalar(select(func.count()).select_from(Grant).where(
        Grant.pair_id == pair_id, Grant.status == GrantStatus.ACCEPTED)) or 0
    number = existing_page(page, per_page, total)
    rows = db.session.execute(
        select(Grant, FinalReport)
        .outerjoin(FinalReport, (FinalReport.grant_id == Grant.id) & (FinalReport.status == ReportStatus.APPROVED))
        .where(Grant.pair_id == pair_id, Grant.status == GrantStatus.ACCEPTED)
        .options(joinedload(Grant.application))
        .order_by(Grant.start_date, Grant.id).limit(per_page).offset((number - 1) * per_page)).all()
    return ListPage(items=rows, page=number, per_page=per_page, total=total)


def report_of(grant_id: int) -> FinalReport | None:
    """The grant's final report, once started."""
    return db.session.scalar(select(FinalReport).where(FinalReport.grant_id == grant_id))


def interim_of(grant_id: int) -> InterimReport | None:
    """The grant's interim report, once started."""
    return db.session.scalar(select(InterimReport).where(InterimReport.grant_id == grant_id))


def reports_with_grants(call_id: int) -> Select:
    """The final reports of a call's grants, with their grants and applications, in the order they were started
    (the API's list)."""
    return (select(FinalReport).join(Grant).where(Grant.call_id == call_id)
            .options(selectinload(FinalReport.grant).selectinload(Grant.application))
            .order_by(FinalReport.id))


def last_report_save(actor_id: int, application_id: int) -> dict | None:
    """The detail of the latest save of the report on `application_id`, if `actor_id` made it (the audit log
    keeps the save's id and the version it produced: reports/services.save_report)."""
    latest = db.session.execute(
        select(AuditEntry.actor_id, AuditEntry.detail)
        .where(AuditEntry.action == "report.saved", AuditEntry.target_type == "Application",
               AuditEntry.target_id == application_id)
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    if latest is None or latest.actor_id != actor_id:
        return None
    return latest.detail


@dataclass(frozen=True)
class DeskFilters:
    """What the office's report desk shows: accepted grants of the programmes in `programme_ids` (None:
    every programme), narrowed by call, pair, direction, report state and lateness on `today`."""

    programme_ids: frozenset[int] | None = None
    call_id: int | None = None
    pair_id: int | None = None
    direction: Direction | None = None
    state: ReportState | None = None
    overdue: bool = False
    today: date | None = None

    @property
    def due_cutoff(self) -> date:
        """A stay that ended before this day has its report due before `today`."""
        return (self.today or date.today()) - timedelta(days=REPORT_DUE_DAYS)


def _desk_where(stmt: Select, filters: DeskFilters) -> Select:
    stmt = stmt.outerjoin(FinalReport, FinalReport.grant_id == Grant.id).where(Grant.status == GrantStatus.ACCEPTED)
    if filters.programme_ids is not None:
        stmt = stmt.where(Grant.call_id.in_(select(Call.id).where(Call.programme_id.in_(filters.programme_ids))))
    if filters.call_id is not None:
        stmt = stmt.where(Grant.call_id == filters.call_id)
    if filters.pair_id is not None:
        stmt = stmt.where(Grant.pair_id == filters.pair_id)
    if filters.direction is not None:
        stmt = stmt.where(Grant.direction == filters.direction)
    if filters.state is ReportState.NOT_STARTED:
        stmt = stmt.where(FinalReport.id.is_(None))
    elif filters.state is not None:
        stmt = stmt.where(FinalReport.status == ReportStatus(filters.state.value))
    if filters.overdue:
        stmt = stmt.where(or_(FinalReport.id.is_(None), FinalReport.status.in_(OWED)),
                          Grant.end_date < filters.due_cutoff)
    return stmt


def desk_rows(filters: DeskFilters) -> Select:
    """Every accepted grant matching `filters` as a plain row (no objects), the report due first first: the
    grant, its grantee and, once started, its report's status, dates, host confirmation and the last reminder
    sent about it."""
    last_reminder = (select(func.max(SentReminder.sent_at))
                     .where(SentReminder.kind == REMINDER_KIND, SentReminder.target_id == Grant.id)
                     .correlate(Grant).scalar_subquery())
    stmt = select(Grant.id.label("grant_id"), Grant.call_id, Grant.pair_id, Grant.direction, Grant.amount,
                  Grant.currency, Grant.start_date, Grant.end_date, Grant.distance_km,
                  # how many travel (the travellers themselves stay in the database: 250 rows a page)
                  func.coalesce(func.json_array_length(Grant.travellers), 0).label("traveller_count"),
                  Application.id.label("application_id"), Application.reference, Application.title,
                  Application.languages, User.name.label("grantee"),
                  FinalReport.id.label("report_id"), FinalReport.status.label("report_status"),
                  FinalReport.submitted_at, FinalReport.host_confirmed_at, FinalReport.approved_at,
                  FinalReport.travel_mode, last_reminder.label("last_reminder_at"),
                  Call.interim_report_days, InterimReport.status.label("interim_status"))
    return (_desk_where(stmt.select_from(Grant), filters).join(Application, Application.id == Grant.application_id)
            .join(User, User.id == Application.applicant_id)
            .join(Call, Call.id == Grant.call_id).outerjoin(InterimReport, InterimReport.grant_id == Grant.id)
            .order_by(Grant.end_date, Grant.id))


def desk_page(filters: DeskFilters, page: int, per_page: int) -> list[Row]:
    return list(db.session.execute(desk_rows(filters).limit(per_page).offset((page - 1) * per_page)).all())


@dataclass(frozen=True)
class DeskCounts:
    """The desk's summary: grants per report state, and how many of them are overdue (per state)."""

    by_state: dict[ReportState, int]
    late_by_state: dict[ReportState, int]

    @property
    def overdue(self) -> int:
        return sum(self.late_by_state.values())

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def matching(self, filters: DeskFilters) -> int:
        """How many grants the list shows with `filters` (its state and lateness): no count(*) of its own."""
        source = self.late_by_state if filters.overdue else self.by_state
        return sum(n for state, n in source.items() if filters.state in (None, state))


def desk_counts(filters: DeskFilters) -> DeskCounts:
    """The grants matching `filters` but their state and lateness, counted per report state (and the late ones
    among them): one grouped query."""
    unfiltered = DeskFilters(programme_ids=filters.programme_ids, call_id=filters.call_id, pair_id=filters.pair_id,
                             direction=filters.direction, today=filters.today)
    late = (FinalReport.id.is_(None) | FinalReport.status.in_(OWED)) & (Grant.end_date < unfiltered.due_cutoff)
    stmt = _desk_where(select(FinalReport.status, func.count(), func.sum(case((late, 1), else_=0)))
                       .select_from(Grant), unfiltered).group_by(FinalReport.status)
    by_state: dict[ReportState, int] = dict.fromkeys(ReportState, 0)
    late_by_state: dict[ReportState, int] = dict.fromkeys(ReportState, 0)
    for status, count, late_count in db.session.execute(stmt):
        state = ReportState.NOT_STARTED if status is None else ReportState(status.value)
        by_state[state] += count
        late_by_state[state] += int(late_count or 0)
    return DeskCounts(by_state, late_by_state)
