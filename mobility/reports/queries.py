"""select() builders and small reads for final reports and funded exchanges (the public, personal-data-free view
of the programme)."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from mobility.applications.models import Application
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant
from mobility.core.models import AuditEntry
from mobility.core.paging import ListPage, existing_page
from mobility.extensions import db
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


def reports_of_call(call_id: int) -> list[FinalReport]:
    """The final reports of a call's grants, by status (the office's list)."""
    return list(db.session.scalars(select(FinalReport).join(Grant).where(Grant.call_id == call_id)
                                   .order_by(FinalReport.status, FinalReport.id)))


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
