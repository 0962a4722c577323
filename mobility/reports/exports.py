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
from mobility.awards.enums import AgreementStatus, GrantStatus
from mobility.awards.models import Grant, Payment
from mobility.calls.models import Call
from mobility.calls.questionnaires import answer_text
from mobility.cities.enums import Direction
from mobility.cities.queries import pairs_by_id
from mobility.core.errors import DomainError
from mobility.core.exports import FORMATS, spreadsheet, title_of, yes_no
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.i18n.content import localized
from mobility.jobs.runner import FileResult, job_function
from mobility.reports.desk import desk_row
from mobility.reports.enums import ReportState, Sector, co2_estimate
from mobility.reports.models import FinalReport
from mobility.reports.queries import DeskFilters, desk_rows
from mobility.review.models import Assignment, Review


def _pairs() -> dict[int, str]:
    """Every pair's name in the reader's language, read once per export."""
    return {p.id: p.display_name() for p in db.session.scalars(pairs_by_id())}


def _reports_of(call: Call) -> dict[int, FinalReport]:
    """The call's final reports by grant, read once per export."""
    return {r.grant_id: r for r in db.session.scalars(
        select(FinalReport).join(Grant, Grant.id == FinalReport.grant_id).where(Grant.call_id == call.id))}


def _co2(grant: Grant, report: FinalReport | None):
    if report is None:
        return ""
    return co2_estimate(grant.distance_km, len(grant.travellers), report.travel_mode) or ""


def reviews(call: Call) -> tuple[list, Iterator[tuple]]:
    criteria = list(call.criteria)
    header = [_l("Reference"), _l("City pair"), _l("Direction"), _l("Juror"), _l("Assignment"), _l("Review"),
              _l("Submitted (UTC)")] + [
        _l("Score: %(criterion)s", criterion=localized(c.label)) for c in criteria] + [
        _l("Language of the comments"), _l("Overall comment")]

    def rows():
        pairs = _pairs()
        stmt = (select(Review, Assignment, Application).join(Assignment, Assignment.id == Review.assignment_id)
                .join(Application, Application.id == Assignment.application_id)
                .where(Assignment.call_id == call.id).options(selectinload(Assignment.juror))
                .order_by(Application.id, Assignment.juror_id))
        for review, assignment, application in db.session.execute(stmt):
            yield ([application.reference, pairs.get(application.pair_id, "") if application.pair_id else "",
                    title_of(application.direction), assignment.juror.name, title_of(assignment.status),
                    title_of(review.status), review.submitted_at] + [review.scores.get(str(c.id), "") for c in criteria]
                   + [Language(review.comment_language).title if review.comment_language else "",
                      review.overall_comment])
    return header, rows()


def grants(call: Call) -> tuple[list, Iterator[tuple]]:
    # The acceptance is that of the agreement version in force: blank while an amended version awaits it, never
    # an earlier acceptance beside terms it did not accept.
    header = [_l("Reference"), _l("Grantee"), _l("Status"), _l("City pair"), _l("Direction"), _l("Amount (EUR)"),
              _l("Days"), _l("Distance (km)"), _l("Travellers"), _l("First day of the stay"),
              _l("Last day of the stay"), _l("Accepted (UTC)"), _l("Accepted by"), _l("Agreement version"),
              _l("Paid (EUR)"), _l("Still to pay (EUR)"), _l("Overpaid (EUR)"), _l("First instalment"),
              _l("Second instalment"), _l("State of the report"), _l("Travel mode"), _l("CO₂ estimate (kg)")]

    def rows():
        pairs, reports_by_grant = _pairs(), _reports_of(call)
        for grant in db.session.scalars(select(Grant).where(Grant.call_id == call.id)
                                        .options(selectinload(Grant.application).selectinload(Application.applicant),
                                                 selectinload(Grant.payments), selectinload(Grant.versions))
                                        .order_by(Grant.id)):
            version = versions.current_version(grant)
            accepted_at, accepted_name = (grant.accepted_at, grant.accepted_name) if version is None else (
                (version.accepted_at, version.accepted_name) if version.status is AgreementStatus.ACCEPTED
                else (None, None))
            money = awards.money_of(grant)  # the same reading as the grant page and the API
            report = reports_by_grant.get(grant.id)
            instalments = [title_of(i.state) for i in money.instalments]
            instalments += [""] * (2 - len(instalments))
            yield (grant.application.reference, grant.application.applicant.name, title_of(grant.status),
                   pairs.get(grant.pair_id, ""), title_of(grant.direction), grant.amount, grant.days,
                   grant.distance_km, len(grant.travellers) or 1, grant.start_date, grant.end_date, accepted_at,
                   accepted_name or "", version.number if version else 1, money.paid, money.remaining,
                   money.overpaid, *instalments[:2],
                   title_of(ReportState(report.status.value)) if report else (
                       title_of(ReportState.NOT_STARTED) if grant.status is GrantStatus.ACCEPTED else ""),
                   title_of(report.travel_mode) if report else "", _co2(grant, report))
    return header, rows()


def payments(call: Call) -> tuple[list, Iterator[tuple]]:
    header = [_l("Reference"), _l("Grantee"), _l("City pair"), _l("Direction"), _l("Grant amount (EUR)"),
              _l("Instalment"), _l("Amount (EUR)"), _l("Paid on"), _l("Payment reference")]

    def rows():
        pairs = _pairs()
        stmt = (select(Payment, Grant).join(Grant, Grant.id == Payment.grant_id).where(Grant.call_id == call.id)
                .options(selectinload(Grant.application).selectinload(Application.applicant)).order_by(Payment.id))
        for payment, grant in db.session.execute(stmt):
            yield (grant.application.reference, grant.application.applicant.name, pairs.get(grant.pair_id, ""),
                   title_of(grant.direction), grant.amount, payment.instalment, payment.amount, payment.paid_on,
                   payment.reference)
    return header, rows()


def reports(call: Call) -> tuple[list, Iterator[tuple]]:
    # Read by the office: the columns name what the grantee was asked, not "you".
    questions = list(call.report_questions)
    header = [_l("Reference"), _l("Grantee"), _l("Status"), _l("City pair"), _l("Direction"), _l("Amount (EUR)"),
              _l("First day of the stay, as it happened"), _l("Last day of the stay, as it happened"), _l("Days"),
              _l("People reached (audiences, participants)"), _l("Sectors touched"), _l("Travel mode"),
              _l("Distance (km)"), _l("Travellers"), _l("CO₂ estimate (kg)"), _l("Host confirmed"), _l("Photos"),
              _l("Language of the report"), _l("Submitted (UTC)"), _l("Approved (UTC)"), _l("Activities"),
              _l("Works made together"), _l("Partners and new networks"), _l("Public summary")] + [
        localized(q.label) for q in questions]

    def rows():
        pairs = _pairs()
        stmt = (select(FinalReport, Grant).join(Grant, Grant.id == FinalReport.grant_id)
                .where(Grant.call_id == call.id)
                .options(selectinload(Grant.application).selectinload(Application.applicant),
                         selectinload(FinalReport.photos)).order_by(FinalReport.id))
        for report, grant in db.session.execute(stmt):
            yield (grant.application.reference, grant.application.applicant.name, title_of(report.status),
                   pairs.get(grant.pair_id, ""), title_of(grant.direction), grant.amount, report.actual_start,
                   report.actual_end, report.actual_days, report.audience,
                   ", ".join(_sector_title(s) for s in report.sectors), title_of(report.travel_mode),
                   grant.distance_km, len(grant.travellers) or 1, _co2(grant, report),
                   yes_no(report.host_confirmed_at), len(report.photos),
                   Language(report.language).title if report.language in {x.value for x in Language} else "",
                   report.submitted_at, report.approved_at, report.activities, report.co_creations, report.partners,
                   report.public_summary) + tuple(answer_text(q, report.answers) for q in questions)
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
              _l("CO₂ estimate (kg)"), _l("Interim report")]

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
                   row.approved_at, row.last_reminder_at, title_of(row.travel_mode), row.co2_kg, title_of(row.interim))
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
