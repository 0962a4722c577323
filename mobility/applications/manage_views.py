"""The office's list of a call's applications: filters, CJK search, counts, CSV and XLSX."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import load_only

from mobility.accounts.enums import Discipline, Language, Role
from mobility.applications import policies
from mobility.applications.enums import ApplicationStatus
from mobility.applications.forms import PAGE_SIZES, ApplicationFilterForm
from mobility.applications.models import Application
from mobility.applications.queries import (
    ApplicationFilters, application_filters, call_applications, counts_by_status_and_direction,
)
from mobility.calls.models import Call
from mobility.cities.enums import Direction
from mobility.core.access import roles_required
from mobility.core.exports import csv_response, xlsx_response
from mobility.extensions import db

bp = Blueprint("manage_applications", __name__, url_prefix="/manage/calls", template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)


def _call(call_id: int) -> Call:
    call = db.get_or_404(Call, call_id)
    if not policies.can_screen_applications(current_user):
        abort(403)
    return call


def _filters(call: Call) -> tuple[ApplicationFilterForm, ApplicationFilters]:
    form = ApplicationFilterForm(request.args)
    form.status.choices = [("", _("All"))] + [(s.value, s.title) for s in ApplicationStatus
                                              if s is not ApplicationStatus.DRAFT]
    form.pair.choices = [("", _("All"))] + [(str(p.id), p.display_name()) for p in call.pairs]
    form.direction.choices = [("", _("All"))] + Direction.choices()
    form.discipline.choices = [("", _("All"))] + Discipline.choices()
    form.language.choices = [("", _("All"))] + Language.choices()
    return form, application_filters(call, status=form.status.data, pair=form.pair.data,
                                     direction=form.direction.data, discipline=form.discipline.data,
                                     language=form.language.data, text=form.q.data)


# What a row of the list shows: the texts and answers stay in the database (250 rows a page).
LISTED_COLUMNS = load_only(Application.id, Application.reference, Application.title, Application.direction,
                           Application.languages, Application.status, Application.submitted_at,
                           Application.applicant_id, Application.call_id)


def _total_from_counts(filters: ApplicationFilters, counts) -> int | None:
    """How many applications the list shows, when only status and direction filter it; None otherwise."""
    if filters.pair_id or filters.discipline or filters.language or filters.text:
        return None
    return sum(count for status, direction, count in counts
               if filters.status in (None, status) and filters.direction in (None, direction))


@bp.get("/<int:call_id>/applications")
@roles_required(*OFFICE)
def index(call_id: int):
    call = _call(call_id)
    form, filters = _filters(call)
    per_page = int(form.per_page.data) if form.per_page.data in {str(n) for n in PAGE_SIZES} else PAGE_SIZES[0]
    counts = db.session.execute(counts_by_status_and_direction(call.id)).all()
    by_status = Counter()
    by_direction = Counter()
    for status, direction, count in counts:
        by_status[status] += count
        by_direction[direction] += count
    # The grouped counts already tell how many match a status or direction: no second count(*) then.
    known_total = _total_from_counts(filters, counts)
    page = db.paginate(call_applications(call.id, filters).options(LISTED_COLUMNS), page=max(form.page.data or 1, 1),
                       per_page=per_page, error_out=False, count=known_total is None)
    if known_total is not None:
        page.total = known_total
    export_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("applications/manage_list.html", call=call, form=form, page=page,
                           by_status=by_status, by_direction=by_direction, total=sum(by_status.values()),
                           export_args=export_args)


EXPORT_HEADER = ("reference", "status", "submitted_at_utc", "applicant", "email", "title", "pair", "direction",
                 "origin_city", "discipline", "languages", "start_date", "end_date", "days", "host_organisation",
                 "host_confirmed", "team_size")


def _export_rows(call: Call):
    _form, filters = _filters(call)
    for application in db.session.scalars(call_applications(call.id, filters)):
        yield (application.reference, application.status.value, application.submitted_at,
               application.applicant.name, application.applicant.email, application.title,
               application.pair.display_name("en") if application.pair else "",
               application.direction.value if application.direction else "",
               application.origin_city.name_en if application.origin_city else "",
               application.discipline.value if application.discipline else "", " ".join(application.languages),
               application.start_date, application.end_date, application.days, application.host_organisation,
               "yes" if application.host_confirmed_at else "no", application.team_size)


@bp.get("/<int:call_id>/applications.csv")
@roles_required(*OFFICE)
def export_csv(call_id: int):
    call = _call(call_id)
    return csv_response(f"applications-call-{call.id}.csv", EXPORT_HEADER, _export_rows(call))


@bp.get("/<int:call_id>/applications.xlsx")
@roles_required(*OFFICE)
def export_xlsx(call_id: int):
    call = _call(call_id)
    return xlsx_response(f"applications-call-{call.id}.xlsx", EXPORT_HEADER, _export_rows(call))
