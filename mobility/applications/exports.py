"""The office's spreadsheet of a call's applications (the filtered list), made by a background job."""
from __future__ import annotations

from mobility.accounts.enums import Language
from mobility.applications.queries import application_filters, call_applications
from mobility.calls.models import Call
from mobility.core.errors import DomainError
from mobility.core.exports import FORMATS, spreadsheet, title_of, yes_no
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.jobs.runner import FileResult, job_function

# The columns, in the language of whoever asked for the export (the job runs in their locale), like every
# value below: statuses, directions, disciplines, languages and cities are titles and names, never codes.
EXPORT_HEADER = (_l("Reference"), _l("Status"), _l("Submitted (UTC)"), _l("Applicant"), _l("E-mail address"),
                 _l("Title"), _l("City pair"), _l("Direction"), _l("The city you live in"), _l("Discipline"),
                 _l("Languages"), _l("First day of the stay"), _l("Last day of the stay"), _l("Days"),
                 _l("Host organisation"), _l("Host confirmed"), _l("Team size"))


def export_rows(call: Call, filters: dict):
    for application in db.session.scalars(call_applications(call.id, application_filters(call, **filters))):
        yield (application.reference, title_of(application.status), application.submitted_at,
               application.applicant.name, application.applicant.email, application.title,
               application.pair.display_name() if application.pair else "", title_of(application.direction),
               application.origin_city.display_name() if application.origin_city else "",
               title_of(application.discipline), ", ".join(Language(code).title for code in application.languages),
               application.start_date, application.end_date, application.days, application.host_organisation,
               yes_no(application.host_confirmed_at), application.team_size)


@job_function
def export_job(progress, *, call_id: int, fmt: str, filters: dict) -> FileResult:
    call = db.session.get(Call, call_id)
    if call is None:
        raise DomainError(_l("This call no longer exists."))
    data = spreadsheet(progress, fmt, EXPORT_HEADER, export_rows(call, filters))
    return FileResult(f"applications-call-{call.id}.{fmt}", FORMATS[fmt][1], data)
