"""The office's spreadsheet of a call's applications (the filtered list), made by a background job."""
from __future__ import annotations

from mobility.applications.queries import application_filters, call_applications
from mobility.calls.models import Call
from mobility.core.errors import DomainError
from mobility.core.exports import FORMATS, spreadsheet
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.jobs.runner import FileResult, job_function

EXPORT_HEADER = ("reference", "status", "submitted_at_utc", "applicant", "email", "title", "pair", "direction",
                 "origin_city", "discipline", "languages", "start_date", "end_date", "days", "host_organisation",
                 "host_confirmed", "team_size")


def export_rows(call: Call, filters: dict):
    for application in db.session.scalars(call_applications(call.id, application_filters(call, **filters))):
        yield (application.reference, application.status.value, application.submitted_at,
               application.applicant.name, application.applicant.email, application.title,
               application.pair.display_name("en") if application.pair else "",
               application.direction.value if application.direction else "",
               application.origin_city.name_en if application.origin_city else "",
               application.discipline.value if application.discipline else "", " ".join(application.languages),
               application.start_date, application.end_date, application.days, application.host_organisation,
               "yes" if application.host_confirmed_at else "no", application.team_size)


@job_function
def export_job(progress, *, call_id: int, fmt: str, filters: dict) -> FileResult:
    call = db.session.get(Call, call_id)
    if call is None:
        raise DomainError(_l("This call no longer exists."))
    data = spreadsheet(progress, fmt, EXPORT_HEADER, export_rows(call, filters))
    return FileResult(f"applications-call-{call.id}.{fmt}", FORMATS[fmt][1], data)
