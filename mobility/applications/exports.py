"""The office's spreadsheet of a call's applications (the filtered list), made by a background job."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mobility.accounts.enums import Language
from mobility.applications.models import Application
from mobility.applications.queries import application_filters, call_applications
from mobility.awards.models import Grant
from mobility.calls.enums import QuestionKind
from mobility.calls.models import Call
from mobility.calls.questionnaires import answer_text
from mobility.cities.geography import great_circle_km
from mobility.core.errors import DomainError
from mobility.core.exports import FORMATS, spreadsheet, title_of, yes_no
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.i18n.content import localized
from mobility.jobs.runner import FileResult, job_function
from mobility.reports.enums import co2_estimate
from mobility.reports.models import FinalReport

# The columns, in the language of whoever asked for the export (the job runs in their locale), like every
# value below: statuses, directions, disciplines, languages and cities are titles and names, never codes.
EXPORT_HEADER = (_l("Reference"), _l("Status"), _l("Submitted (UTC)"), _l("Applicant"), _l("E-mail address"),
                 _l("Title"), _l("City pair"), _l("Direction"), _l("City of the applicant"), _l("Discipline"),
                 _l("Languages"), _l("First day of the stay"), _l("Last day of the stay"), _l("Days"),
                 _l("Host organisation"), _l("Host confirmed"), _l("Team size"))
# After them: the screening, the money and the travel, then one column per question of the call's form.
MORE_HEADER = (_l("Screening reason"), _l("Note to the applicant"), _l("Distance (km)"), _l("Grant status"),
               _l("Grant amount (EUR)"), _l("CO₂ estimate (kg)"))


def export_header(call: Call) -> list:
    return [*EXPORT_HEADER, *MORE_HEADER, *(localized(q.label) for q in call.questions)]


def export_rows(call: Call, filters: dict):
    questions = list(call.questions)
    # The grants and reports of the call, read once (not once per row).
    grants = {g.application_id: g for g in db.session.scalars(select(Grant).where(Grant.call_id == call.id))}
    reports = {r.grant_id: r for r in db.session.scalars(
        select(FinalReport).join(Grant, Grant.id == FinalReport.grant_id).where(Grant.call_id == call.id))}
    stmt = call_applications(call.id, application_filters(call, **filters)).options(
        selectinload(Application.pair), selectinload(Application.origin_city), selectinload(Application.attachments))
    for application in db.session.scalars(stmt):
        origin, host = application.origin_city, application.host_city
        grant = grants.get(application.id)
        report = reports.get(grant.id) if grant is not None else None
        files: dict[int, list[str]] = {}
        for attachment in application.attachments:
            if attachment.question_id is not None:
                files.setdefault(attachment.question_id, []).append(attachment.display_name)
        yield (application.reference, title_of(application.status), application.submitted_at,
               application.applicant.name, application.applicant.email, application.title,
               application.pair.display_name() if application.pair else "", title_of(application.direction),
               origin.display_name() if origin else "",
               title_of(application.discipline), ", ".join(Language(code).title for code in application.languages),
               application.start_date, application.end_date, application.days, application.host_organisation,
               yes_no(application.host_confirmed_at), application.team_size,
               title_of(application.screening_reason), application.screening_note or "",
               great_circle_km(origin, host) if origin and host else "",
               title_of(grant.status) if grant else "", grant.amount if grant else "",
               (co2_estimate(grant.distance_km, len(grant.travellers), report.travel_mode) or "")
               if grant and report else "") + tuple(
            ", ".join(files.get(q.id, [])) if q.kind is QuestionKind.FILE else answer_text(q, application.answers)
            for q in questions)


@job_function
def export_job(progress, *, call_id: int, fmt: str, filters: dict) -> FileResult:
    call = db.session.get(Call, call_id)
    if call is None:
        raise DomainError(_l("This call no longer exists."))
    data = spreadsheet(progress, fmt, export_header(call), export_rows(call, filters))
    return FileResult(f"applications-call-{call.id}.{fmt}", FORMATS[fmt][1], data)
