"""select() builders for funded exchanges (the public, personal-data-free view of the programme)."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from mobility.applications.models import Application
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant
from mobility.reports.enums import ReportStatus
from mobility.reports.models import FinalReport


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
