"""The office's exports of a call: reviews with scores, grants, payments and final reports."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mobility.accounts.enums import Language
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.awards import versions
from mobility.awards.enums import AgreementStatus
from mobility.awards.models import Grant, Payment
from mobility.calls.models import Call
from mobility.calls.questionnaires import answer_text
from mobility.core.errors import DomainError
from mobility.core.exports import FORMATS, spreadsheet, title_of, yes_no
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.i18n.content import localized
from mobility.jobs.runner import FileResult, job_function
from mobility.cities.enums import Direction
from mobility.cities.queries import pairs_by_id
from mobility.reports.desk import desk_row
from mobility.reports.enums import ReportState, Sector
from mobility.reports.queries import DeskFilters, desk_rows
from mobility.reports.models import FinalReport
from mobility.review.models import Assignment, Review


def reviews(call: Call) -> tuple[list, Iterator[tuple]]:
    criteria = list(call.criteria)
    header = [_l("Reference"), _l("Juror"), _l("Assignment"), _l("Review"), _l("Submitted (UTC)")] + [
        _l("Score: %(criterion)s", criterion=localized(c.label)) for c in criteria] + [
        _l("Language of the comments"), _l("Overall comment")]

    def rows():
        stmt = (select(Review, Assignment, Application).join(Assignment, Assignment.id == Review.assignment_id)
                .join(Application, Application.id == Assignment.application_id)
                .where(Assignment.call_id == call.id).options(selectinload(Assignment.juror))
                .order_by(Application.id, Assignment.juror_id))
        for review, assignment, application in db.session.execute(stmt):
            yield ([application.reference, assignment.juror.name, title_of(assignment.status),
                    title_of(review.status), review.submitted_at] + [review.scores.get(str(c.id), "") for c in criteria]
                   + [Language(review.comment_language).title if review.comment_language else "",
                      review.overall_comment])
    return header, rows()


def grants(call: Call) -> tuple[list, Iterator[tuple]]:
    # The acceptance is that of the agreement version in force: blank while an amended version awaits it, never
    # an earlier acceptance beside terms it did not accept.
    header = [_l("Reference"), _l("Grantee"), _l("Status"), _l("Direction"), _l("Amount (EUR)"), _l("Days"),
              _l("Distance (km)"), _l("First day of the stay"), _l("Last day of the stay"), _l("Accepted (UTC)"),
              _l("Accepted by"), _l("Agreement version"), _l("Paid (EUR)"), _l("Still to pay (EUR)"),
              _l("Overpaid (EUR)"), _l("First instalment"), _l("Second instalment")]

    def rows():
        for grant in db.session.scalars(select(Grant).where(Grant.call_id == call.id)
                                        .options(selectinload(Grant.application).selectinload(Application.applicant),
                                                 selectinload(Grant.payments), selectinload(Grant.versions))
                                        .order_by(Grant.id)):
            version = versions.current_version(grant)
            accepted_at, accepted_name = (grant.accepted_at, grant.accepted_name) if version is None else (
                (version.accepted_at, version.accepted_name) if version.status is AgreementStatus.ACCEPTED
                else (None, None))
            money = awards.money_of(grant)  # the same reading as the grant page and the API
            yield (grant.application.reference, grant.application.applicant.name, title_of(grant.status),
                   title_of(grant.direction), grant.amount, grant.days, grant.distance_km, grant.start_date,
                   grant.end_date, accepted_at, accepted_name or "", version.number if version else 1,
                   money.paid, money.remaining, money.overpaid, *(title_of(i.state) for i in money.instalments))
    return header, rows()


def payments(call: Call) -> tuple[list, Iterator[tuple]]:
    header = [_l("Reference"), _l("Instalment"), _l("Amount (EUR)"), _l("Paid on"), _l("Payment reference")]

    def rows():
        stmt = (select(Payment, Grant).join(Grant, Grant.id == Payment.grant_id).where(Grant.call_id == call.id)
                .options(selectinload(Grant.application)).order_by(Payment.id))
        for payment, grant in db.session.execute(stmt):
            yield (grant.application.reference, payment.instalment, payment.amount, payment.paid_on, payment.reference)
    return header, rows()


def reports(call: Call) -> tuple[list, Iterator[tuple]]:
    questions = list(call.report_questions)
    header = [_l("Reference"), _l("Status"), _l("First day of the stay, as it happened"),
              _l("Last day of the stay, as it happened"), _l("Days"), _l("People reached (audiences, participants)"),
              _l("Sectors your exchange touched"), _l("How you travelled for most of the way"), _l("Host confirmed"),
              _l("What you did"), _l("Works made together"), _l("Partners and new networks"),
              _l("A short public summary")] + [localized(q.label) for q in questions]

    def rows():
        stmt = (select(FinalReport, Grant).join(Grant, Grant.id == FinalReport.grant_id)
                .where(Grant.call_id == call.id).options(selectinload(Grant.application)).order_by(FinalReport.id))
        for report, grant in db.session.execute(stmt):
            yield (grant.application.reference, title_of(report.status), report.actual_start, report.actual_end,
                   report.actual_days, report.audience, ", ".join(_sector_title(s) for s in report.sectors),
                   title_of(report.travel_mode), yes_no(report.host_confirmed_at), report.activities,
                   report.co_creations, report.partners, report.public_summary) + tuple(
                answer_text(q, report.answers) for q in questions)
    return header, rows()


def _sector_title(value: str) -> str:
    try:
        return Sector(value).title
    except ValueError:  # a sector no longer offered: its stored value is all there is
        return value


def desk(filters: DeskFilters) -> tuple[list, Iterator[tuple]]:
    """The report desk's list, every matching row (the page's filters), in the reader's language."""
    header = [_l("Reference"), _l("Grantee"), _l("Title"), _l("Call"), _l("City pair"), _l("Direction"),
              _l("Amount (EUR)"), _l("First day of the stay"), _l("Last day of the stay"), _l("Report due"),
              _l("State of the report"), _l("Days overdue"), _l("Host confirmed"), _l("Submitted (UTC)"),
              _l("Approved (UTC)"), _l("Last reminder (UTC)"), _l("Travel mode"),
              _l("CO₂ estimate (kg)")]

    def rows():
        calls = {c.id: c.text("title") for c in db.session.scalars(select(Call))}
        pairs = {p.id: p.display_name() for p in db.session.scalars(pairs_by_id())}
        today = filters.today or date.today()
        for raw in db.session.execute(desk_rows(filters)):
            row = desk_row(raw, today)
            yield (row.reference, row.grantee, row.title, calls.get(row.call_id, ""), pairs.get(row.pair_id, ""),
                   title_of(row.direction), row.amount, row.start_date, row.end_date, row.due_on,
                   title_of(row.state), row.days_overdue or "",
                   "" if row.host_confirmed is None else yes_no(row.host_confirmed), row.submitted_at,
                   row.approved_at, row.last_reminder_at, title_of(row.travel_mode), row.co2_kg)
    return header, rows()


@job_function
def desk_export_job(progress, *, fmt: str, programmes: list[int] | None, call_id: int | None, pair_id: int | None,
                    direction: str | None, state: str | None, overdue: bool) -> FileResult:
    """The background job behind the report desk's export buttons: the filters the desk showed."""
    filters = DeskFilters(programme_ids=None if programmes is None else frozenset(programmes), call_id=call_id,
                          pair_id=pair_id, direction=Direction(direction) if direction else None,
                          state=ReportState(state) if state else None, overdue=overdue, today=date.today())
    header, rows = desk(filters)
    data = spreadsheet(progress, fmt, header, rows)
    return FileResult(f"report-desk-{filters.today}.{fmt}", FORMATS[fmt][1], data)


EXPORTS = {"reviews": reviews, "grants": grants, "payments": payments, "reports": reports}


@job_function
def export_job(progress, *, call_id: int, kind: str, fmt: str) -> FileResult:
    """The background job behind the office's export buttons."""
    call = db.session.get(Call, call_id)
    if call is None:
        raise DomainError(_l("This call no longer exists."))
    header, rows = EXPORTS[kind](call)
    data = spreadsheet(progress, fmt, header, rows)
    return FileResult(f"{kind}-call-{call.id}.{fmt}", FORMATS[fmt][1], data)
