"""The office's list of a call's applications: filters, CJK search, counts, CSV and XLSX (as background jobs)."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from mobility.accounts.enums import Discipline, Language, Role
from mobility.applications.enums import ApplicationStatus
from mobility.applications.forms import PAGE_SIZES, ApplicationFilterForm
from mobility.applications.queries import (
    ApplicationFilters,
    application_filters,
    counts_by_status_and_direction,
    listed_page,
    listed_total,
)
from mobility.calls.models import Call
from mobility.calls.office import office_call
from mobility.cities.enums import Direction
from mobility.core.access import roles_required
from mobility.core.exports import FORMATS
from mobility.core.paging import ListPage, existing_page
from mobility.core.redirects import form_link_args
from mobility.extensions import db
from mobility.jobs import runner as jobs

bp = Blueprint("manage_applications", __name__, url_prefix="/manage/calls", template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)


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
def _total_from_counts(filters: ApplicationFilters, counts) -> int | None:
    """How many applications the list shows, when only status and direction filter it; None otherwise."""
    if filters.pair_id or filters.discipline or filters.language or filters.text:
        return None
    return sum(count for status, direction, count in counts
               if filters.status in (None, status) and filters.direction in (None, direction))


@bp.get("/<int:call_id>/applications")
@roles_required(*OFFICE)
def index(call_id: int):
    call = office_call(call_id, (joinedload(Call.pairs),))  # the pair filter's choices, in the same statement
    form, filters = _filters(call)
    per_page = int(form.per_page.data) if form.per_page.data in {str(n) for n in PAGE_SIZES} else PAGE_SIZES[0]
    counts = db.session.execute(counts_by_status_and_direction(call.id)).all()
    by_status: Counter[ApplicationStatus] = Counter()
    by_direction: Counter[Direction | None] = Counter()
    for status, direction, count in counts:
        by_status[status] += count
        by_direction[direction] += count
    # The grouped counts already tell how many match a status or direction: no second count(*) then.
    known_total = _total_from_counts(filters, counts)
    total = known_total if known_total is not None else listed_total(call.id, filters)
    number = existing_page(form.page.data or 1, per_page, total)
    rows = listed_page(call.id, filters, number, per_page)
    page = ListPage(items=rows, page=number, per_page=per_page, total=total)
    export_args = form_link_args(form)
    return render_template("applications/manage_list.html", call=call, form=form, page=page,
                           by_status=by_status, by_direction=by_direction, total=sum(by_status.values()),
                           export_args=export_args)


@bp.post("/<int:call_id>/applications/export")
@roles_required(*OFFICE)
def export(call_id: int):
    """Start the export of the filtered list (CSV or Excel) and show its progress page."""
    call = office_call(call_id)
    form, _applied = _filters(call)
    fmt = request.form.get("format")
    if fmt not in FORMATS:
        abort(400)  # the CSRF token is checked for every POST (CSRFProtect)
    filters = {"status": form.status.data, "pair": form.pair.data, "direction": form.direction.data,
               "discipline": form.discipline.data, "language": form.language.data, "text": form.q.data}
    job = jobs.start("export", current_user._get_current_object(), "mobility.applications.exports.export_job",
                     call_id=call.id, fmt=fmt, filters=filters)  # queued once the request commits
    return redirect(url_for("jobs.show", job_id=job.id))
