"""The office's report desk: every accepted grant with where its report stands (read from plain rows)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Row

from mobility.cities.enums import Direction
from mobility.reports.enums import OWED, REPORT_DUE_DAYS, ReportState, ReportStatus, TravelMode, co2_estimate


@dataclass(frozen=True)
class DeskRow:
    grant_id: int
    application_id: int
    call_id: int
    pair_id: int
    reference: str
    title: str
    languages: list
    grantee: str
    direction: Direction
    amount: Decimal
    currency: str
    start_date: date
    end_date: date
    due_on: date
    state: ReportState
    days_overdue: int  # 0 unless the grantee still owes the report after its due date
    host_confirmed: bool | None  # None: no report yet, so nothing to confirm
    submitted_at: datetime | None
    approved_at: datetime | None
    last_reminder_at: datetime | None
    travel_mode: TravelMode | None
    co2_kg: Decimal | None
    interim: ReportState | None  # None: the call asks for no interim report


def due_on(end_date: date) -> date:
    return end_date + timedelta(days=REPORT_DUE_DAYS)


def days_overdue(end_date: date, status: ReportStatus | None, today: date) -> int:
    """Days past the due date while the report is owed (not started, draft, changes asked); else 0."""
    if status is not None and status not in OWED:
        return 0
    return max((today - due_on(end_date)).days, 0)


def desk_row(row: Row, today: date) -> DeskRow:
    status = row.report_status
    return DeskRow(
        grant_id=row.grant_id, application_id=row.application_id, call_id=row.call_id, pair_id=row.pair_id,
        reference=row.reference or "", title=row.title, languages=list(row.languages or []), grantee=row.grantee,
        direction=row.direction, amount=row.amount, currency=row.currency, start_date=row.start_date,
        end_date=row.end_date, due_on=due_on(row.end_date),
        state=ReportState.NOT_STARTED if status is None else ReportState(status.value),
        days_overdue=days_overdue(row.end_date, status, today),
        host_confirmed=None if row.report_id is None else row.host_confirmed_at is not None,
        submitted_at=row.submitted_at, approved_at=row.approved_at, last_reminder_at=row.last_reminder_at,
        travel_mode=row.travel_mode,
        co2_kg=co2_estimate(row.distance_km, row.traveller_count, row.travel_mode),
        interim=None if not row.interim_report_days else (
            ReportState.NOT_STARTED if row.interim_status is None else ReportState(row.interim_status.value)))
