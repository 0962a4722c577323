"""The office's exports of a call: reviews with scores, grants, payments and final reports."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mobility.applications.models import Application
from mobility.awards.models import Grant, Payment
from mobility.calls.models import Call
from mobility.calls.questionnaires import answer_text
from mobility.core.errors import DomainError
from mobility.core.exports import FORMATS, spreadsheet
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.jobs.runner import FileResult, job_function
from mobility.reports.models import FinalReport
from mobility.review.models import Assignment, Review


def reviews(call: Call) -> tuple[list[str], Iterator[tuple]]:
    criteria = list(call.criteria)
    header = ["reference", "juror", "assignment_status", "review_status", "submitted_at_utc"] + [
        f"score_{c.label.get('en', c.id)}" for c in criteria] + ["comment_language", "overall_comment"]

    def rows():
        stmt = (select(Review, Assignment, Application).join(Assignment, Assignment.id == Review.assignment_id)
                .join(Application, Application.id == Assignment.application_id)
                .where(Assignment.call_id == call.id).options(selectinload(Assignment.juror))
                .order_by(Application.id, Assignment.juror_id))
        for review, assignment, application in db.session.execute(stmt):
            yield ([application.reference, assignment.juror.name, assignment.status.value, review.status.value,
                    review.submitted_at] + [review.scores.get(str(c.id), "") for c in criteria]
                   + [review.comment_language or "", review.overall_comment])
    return header, rows()


def grants(call: Call) -> tuple[list[str], Iterator[tuple]]:
    header = ["reference", "grantee", "status", "direction", "amount_eur", "days", "distance_km", "start_date",
              "end_date", "accepted_at_utc", "accepted_name"]

    def rows():
        for grant in db.session.scalars(select(Grant).where(Grant.call_id == call.id)
                                        .options(selectinload(Grant.application).selectinload(Application.applicant))
                                        .order_by(Grant.id)):
            yield (grant.application.reference, grant.application.applicant.name, grant.status.value,
                   grant.direction.value, grant.amount, grant.days, grant.distance_km, grant.start_date,
                   grant.end_date, grant.accepted_at, grant.accepted_name or "")
    return header, rows()


def payments(call: Call) -> tuple[list[str], Iterator[tuple]]:
    header = ["reference", "instalment", "amount_eur", "paid_on", "payment_reference"]

    def rows():
        stmt = (select(Payment, Grant).join(Grant, Grant.id == Payment.grant_id).where(Grant.call_id == call.id)
                .options(selectinload(Grant.application)).order_by(Payment.id))
        for payment, grant in db.session.execute(stmt):
            yield (grant.application.reference, payment.instalment, payment.amount, payment.paid_on, payment.reference)
    return header, rows()


def reports(call: Call) -> tuple[list[str], Iterator[tuple]]:
    questions = list(call.report_questions)
    header = ["reference", "status", "actual_start", "actual_end", "days", "audience", "sectors", "travel_mode",
              "host_confirmed", "activities", "co_creations", "partners", "public_summary"] + [
        f"q_{q.id}_{q.label.get('en', '')}" for q in questions]

    def rows():
        stmt = (select(FinalReport, Grant).join(Grant, Grant.id == FinalReport.grant_id)
                .where(Grant.call_id == call.id).options(selectinload(Grant.application)).order_by(FinalReport.id))
        for report, grant in db.session.execute(stmt):
            yield (grant.application.reference, report.status.value, report.actual_start, report.actual_end,
                   report.actual_days, report.audience, " ".join(report.sectors),
                   report.travel_mode.value if report.travel_mode else "",
                   "yes" if report.host_confirmed_at else "no", report.activities, report.co_creations,
                   report.partners, report.public_summary) + tuple(
                answer_text(q, report.answers, "en") for q in questions)
    return header, rows()


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
