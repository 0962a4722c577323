"""The final report: the grantee writes it, the host confirms, the office approves or sends it back."""
from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from mobility.accounts.enums import Discipline, Role
from mobility.accounts.policies import programme_scope
from mobility.accounts.queries import runnable_programmes
from mobility.accounts.tokens import LinkExpired, LinkInvalid
from mobility.applications.attachments import with_extension
from mobility.applications.services import TooLarge
from mobility.awards import policies as award_policies
from mobility.awards.models import Grant
from mobility.calls.office import office_call, require_running
from mobility.calls.queries import call_titles_by_deadline
from mobility.cities.enums import Direction
from mobility.cities.queries import pairs_by_id
from mobility.core import unit_of_work
from mobility.core.access import public, roles_required, signed_in
from mobility.core.errors import DomainError, abandon_request
from mobility.core.exports import CSV_MIMETYPE, FORMATS, csv_bytes, download
from mobility.core.paging import ListPage, existing_page, page_arg
from mobility.core.redirects import form_link_args, link_args
from mobility.core.storage import get_storage
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.i18n.forms import compare_forms
from mobility.jobs import runner as jobs
from mobility.reports import dashboard, outcomes, services, tokens
from mobility.reports.desk import desk_row
from mobility.reports.enums import ReportState, Sector
from mobility.reports.exports import EXPORTS
from mobility.reports.forms import (
    DESK_PAGE_SIZES,
    ChangesForm,
    DashboardFilterForm,
    DeskFilterForm,
    HostStayForm,
    InterimForm,
    PhotoForm,
    ReportForm,
    interim_form_class,
    report_form_class,
)
from mobility.reports.models import FinalReport, InterimReport
from mobility.reports.queries import DeskFilters, desk_counts, desk_page, interim_of, report_of

bp = Blueprint("reports", __name__, template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)


def _grant(grant_id: int) -> Grant:
    grant = db.session.get(Grant, grant_id)
    if grant is None or not award_policies.can_view_grant(current_user, grant):
        abort(404)
    return grant


def _report_form(report: FinalReport, **kwargs) -> ReportForm:
    return report_form_class(report.grant.application.call)(**kwargs)


def _fill(form: ReportForm, report: FinalReport) -> None:
    form.version.data = report.version
    for name in ("actual_start", "actual_end", "activities", "co_creations", "audience", "partners",
                 "public_summary"):
        getattr(form, name).data = getattr(report, name)
    form.sectors.data = list(report.sectors)
    form.travel_mode.data = report.travel_mode.value if report.travel_mode else ""
    form.language.data = report.language or ""
    for question, field in form.question_fields():
        field.data = report.answers.get(str(question.id))


@bp.route("/grants/<int:grant_id>/report", methods=["GET", "POST"])
@signed_in
def report_page(grant_id: int):
    grant = _grant(grant_id)
    is_grantee = award_policies.is_grantee(current_user, grant)
    shown = unit_of_work.attempt(None, services.report_to_show, grant)  # an unsaved draft: a GET writes nothing
    if not shown:
        return redirect(url_for("awards.grant_page", grant_id=grant_id))
    report = shown.value
    form = _report_form(report)
    if request.method == "GET":
        _fill(form, report)
    elif form.validate_on_submit():
        if not is_grantee:
            abort(403)
        version = form.expected_version()
        if version is None:
            abort(400)
        report = services.report_for(grant)  # created on the first save
        try:
            saved = unit_of_work.attempt(form, _save_report, current_user._get_current_object(), report,
                                         form.report_data(), version, submit=form.submit.data)
        except services.VersionConflict:
            return _conflict_page(grant_id, form)
        if not saved:
            return _page(services.report_to_show(grant), form, is_grantee), 422
        flash(_("Your report is submitted. Thank you.") if form.submit.data else _("Your draft report is saved."),
              "success")
        return redirect(url_for("reports.report_page", grant_id=grant_id))
    return _page(report, form, is_grantee)


def _save_report(grantee, report: FinalReport, data: services.ReportData, version: int, *, submit: bool) -> None:
    """Save, then submit if asked: one unit, so a refused submission keeps nothing of the save either."""
    services.save_report(grantee, report, data, expected_version=version)
    if submit:
        services.submit_report(grantee, report)


def _conflict_page(grant_id: int, form: ReportForm):
    """409: the saved report beside the one just sent, field by field; nothing is overwritten silently."""
    abandon_request()  # nothing of the refused save is kept; the saved version is read again
    current = services.report_to_show(db.session.get_one(Grant, grant_id))
    saved = _report_form(current, formdata=None)
    _fill(saved, current)
    rows = compare_forms(form, saved)
    form.version.data = current.version  # sending this form again replaces the saved version, knowingly
    return render_template("reports/conflict.html", report=current, grant=current.grant, form=form,
                           rows=rows), 409


@bp.post("/grants/<int:grant_id>/report/autosave")
@signed_in
def autosave(grant_id: int):
    """The report page's script saves the draft as it is typed (static/js/autosave.js); answered in JSON."""
    grant = _grant(grant_id)
    if not award_policies.is_grantee(current_user, grant):
        return jsonify(error=_("Only the grantee writes the report.")), 403
    grantee = current_user._get_current_object()
    try:
        form = _report_form(services.report_to_show(grant))
        if not form.validate():
            return jsonify(error=_("Not saved: check the marked fields."), fields=form.errors), 422
        version = form.expected_version()
        if version is None:
            return jsonify(error=_("Not saved: reload the page and try again.")), 400
        report = services.report_for(grant)
        services.save_report(grantee, report, form.report_data(), expected_version=version,
                             save_id=form.save_id.data or None, lost_save=form.lost_save.data or None)
    except services.VersionConflict:
        abandon_request()
        return jsonify(conflict=True, error=_("Not saved: this report was changed in another window. Save with "
                                              "the button to compare both versions.")), 409
    except DomainError as error:
        abandon_request()
        return jsonify(error=str(error.message), field=error.field), 422
    saved_at = format_time(report.updated_at, "short")
    # A fresh token with every save: a page left open for hours keeps a valid form.
    return jsonify(version=report.version, saved_at=saved_at, csrf_token=generate_csrf(),
                   message=_("Saved at %(time)s", time=saved_at))


def _page(report: FinalReport, form, is_grantee: bool, photo_form=None):
    office = award_policies.can_manage_grants(current_user, report.grant.application.call)
    if not is_grantee:
        form.for_reader()
    changes_form = ChangesForm(formdata=None) if office else None
    return render_template("reports/report.html", report=report, grant=report.grant, form=form,
                           is_grantee=is_grantee, editable=report.status in services.EDITABLE,
                           changes_form=changes_form, co2=services.co2_kg(report),
                           stay_confirmed=services.stay_confirmed(report),
                           photo_form=photo_form or PhotoForm(formdata=None))


@bp.post("/grants/<int:grant_id>/report/photos")
@signed_in
def add_photo(grant_id: int):
    """A photo, sent with the report's form: what was typed in the report is saved with it, never dropped."""
    grant = _grant(grant_id)
    if not award_policies.is_grantee(current_user, grant):
        abort(403)
    grantee = current_user._get_current_object()
    report = services.report_for(grant)
    form = PhotoForm()
    report_form = _report_form(report)
    typed = "version" in request.form  # sent from the report's form (a bare photo upload carries no text)
    has_photo = form.validate_on_submit()
    if typed:
        if not report_form.validate():
            abandon_request()  # nothing is kept (not even the draft report_for() started); both are shown again
            return _page(services.report_to_show(grant), report_form, True, photo_form=form), 422
        version = report_form.expected_version()
        if version is None:
            abort(400)
        try:
            saved = unit_of_work.attempt(report_form, services.save_report, grantee, report,
                                         report_form.report_data(), expected_version=version)
        except services.VersionConflict:
            return _conflict_page(grant_id, report_form)
        if not saved:
            return _page(services.report_to_show(grant), report_form, True, photo_form=form), 422
    if has_photo:
        added = unit_of_work.attempt(form, services.add_photo, grantee, report,
                                     data=form.photo.data.read(), caption=form.caption.data or "")
        if not added:  # nothing of the refused upload is kept (nor the text with it): both are shown again
            report = services.report_to_show(grant)  # the draft report_for() started is rolled back with it
            if not typed:
                report_form = _report_form(report, formdata=None)
                _fill(report_form, report)
            return _page(report, report_form, True, photo_form=form), 413 if isinstance(added.error, TooLarge) else 422
        flash(_("The photo is added."), "success")
    else:
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
        if typed:
            flash(_("Your draft report is saved."), "success")
    return redirect(url_for("reports.report_page", grant_id=grant_id) + "#photos")


@bp.get("/grants/<int:grant_id>/report/photos/<int:photo_id>")
@signed_in
def photo(grant_id: int, photo_id: int):
    grant = _grant(grant_id)
    report = report_of(grant.id)
    item = next((p for p in (report.photos if report else []) if p.id == photo_id), None)
    if item is None:
        abort(404)
    response = send_file(io.BytesIO(get_storage().read(item.storage_key)), mimetype=item.content_type,
                         download_name=with_extension(f"photo-{item.id}", item.content_type))
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/grants/<int:grant_id>/report/review")
@roles_required(*OFFICE)
def review_report(grant_id: int):
    grant = _grant(grant_id)
    require_running(grant.application.call)
    report = report_of(grant.id)
    form = ChangesForm()
    if report is None or not form.validate_on_submit():
        abort(400)
    office = current_user._get_current_object()
    if form.approve.data:
        step = ChangesForm(formdata=None)  # the confirmation step's form, should the rule refuse
        approved = unit_of_work.attempt(step, services.approve_report, office, report,
                                        unconfirmed_stay_ok=form.unconfirmed_stay_ok.data == "1")
        if not approved and isinstance(approved.error, services.StayNotConfirmed):
            # The confirmation step: the office approves knowing the host has not confirmed the stay.
            step.unconfirmed_stay_ok.data = "1"
            return render_template("reports/approve_unconfirmed.html", report=report_of(grant.id), grant=grant,
                                   form=step)
        if not approved:
            flash(str(approved.error.message), "error")
        decided = bool(approved)
    else:
        decided = bool(unit_of_work.attempt(None, services.request_changes, office, report,
                                            form.message.data or ""))
    if decided:
        flash(_("The report is approved; the last instalment is due.") if form.approve.data
              else _("The report is sent back with your message."), "success")
    return redirect(url_for("reports.report_page", grant_id=grant_id))


def _interim_form(report: InterimReport, **kwargs) -> InterimForm:
    return interim_form_class(report.grant.application.call)(**kwargs)


@bp.route("/grants/<int:grant_id>/interim-report", methods=["GET", "POST"])
@signed_in
def interim_page(grant_id: int):
    """The interim report, when the call asks for one: the grantee writes it, the office reads and decides."""
    grant = _grant(grant_id)
    is_grantee = award_policies.is_grantee(current_user, grant)
    if request.method == "POST" and not is_grantee:
        abort(403)  # the office reads it; only the grantee writes it
    shown = unit_of_work.attempt(None, services.interim_to_show, grant)  # an unsaved draft: a GET writes nothing
    if not shown:
        return redirect(url_for("awards.grant_page", grant_id=grant_id))
    report = shown.value
    form = _interim_form(report)
    if request.method == "GET":
        form.version.data, form.progress.data = report.version, report.progress
        for question, field in form.question_fields():
            field.data = report.answers.get(str(question.id))
    elif form.validate_on_submit():
        version = form.expected_version()
        if version is None:
            abort(400)
        try:
            saved = unit_of_work.attempt(form, services.save_interim, current_user._get_current_object(), report,
                                         progress=form.progress.data or "", answers=form.answers(),
                                         expected_version=version, submit=form.submit.data)
        except services.VersionConflict:
            # Nothing is overwritten and nothing typed is lost: the page comes back with what was typed, and
            # sending it again (knowingly) replaces the version saved meanwhile.
            abandon_request()
            current = services.interim_to_show(db.session.get_one(Grant, grant_id))
            form.version.data = current.version
            flash(_("Not saved: this report was changed in another window. Check what you typed below and "
                    "save again to replace the saved version."), "error")
            return _interim(current, form, is_grantee), 409
        if saved:
            flash(_("Your interim report is submitted. Thank you.") if form.submit.data
                  else _("Your draft report is saved."), "success")
            return redirect(url_for("reports.interim_page", grant_id=grant_id))
        report = services.interim_to_show(grant)
        return _interim(report, form, is_grantee), 422
    return _interim(report, form, is_grantee)


def _interim(report: InterimReport, form, is_grantee: bool):
    if not is_grantee:
        form.progress.description = ""  # its hint speaks to the grantee; the office reads what they wrote
    office = award_policies.can_manage_grants(current_user, report.grant.application.call)
    return render_template("reports/interim.html", report=report, grant=report.grant, form=form,
                           is_grantee=is_grantee, editable=report.status in services.INTERIM_EDITABLE,
                           due_on=services.interim_due_on(report.grant),
                           changes_form=ChangesForm(formdata=None) if office else None)


@bp.post("/grants/<int:grant_id>/interim-report/review")
@roles_required(*OFFICE)
def review_interim(grant_id: int):
    grant = _grant(grant_id)
    require_running(grant.application.call)
    report = interim_of(grant.id)
    form = ChangesForm()
    if report is None or not form.validate_on_submit():
        abort(400)
    decided = unit_of_work.attempt(None, services.review_interim, current_user._get_current_object(), report,
                                   approve=bool(form.approve.data), message=form.message.data or "")
    if decided:
        flash(_("The interim report is approved.") if form.approve.data
              else _("The report is sent back with your message."), "success")
    return redirect(url_for("reports.interim_page", grant_id=grant_id))


@bp.route("/host/report/<token>", methods=["GET", "POST"])
@public
def host_confirmation(token: str):
    try:
        report = tokens.report_for_host_token(token, lambda i: db.session.get(FinalReport, i))
    except (LinkInvalid, LinkExpired):
        return render_template("errors/error.html", code=404, title=_("Link not valid"),
                               text=_("This confirmation link is not valid or has expired.")), 404
    form = HostStayForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(form, services.confirm_stay, report, form.name.data, form.digest.data or ""):
            flash(_("Thank you: the stay is confirmed."), "success")
            return redirect(url_for("reports.host_confirmation", token=token))
        report = db.session.get_one(FinalReport, report.id)  # read again after the refusal
    form.digest.data = services.stay_digest(report)  # the stay as this page shows it
    return render_template("reports/host_confirm.html", report=report, application=report.grant.application,
                           form=form, confirmed=services.stay_confirmed(report))


def _desk_filters(call=None) -> tuple[DeskFilterForm, DeskFilters, dict]:
    """The desk's filter form and what it asks for; with `call`, the desk of that call only. The choices are
    the calls of the viewer's programmes and the pairs (both also name the rows: no query per row)."""
    form = DeskFilterForm(request.args)
    programme_ids = programme_scope(current_user)
    calls = [(call.id, call.text("title"))] if call is not None else call_titles_by_deadline(programme_ids)
    pairs = list(db.session.scalars(pairs_by_id()))
    form.call.choices = [("", "—")] + [(str(call_id), title) for call_id, title in calls]
    form.pair.choices = [("", "—")] + [(str(p.id), p.display_name()) for p in pairs]
    directions, states = {d.value for d in Direction}, {s.value for s in ReportState}
    filters = DeskFilters(
        programme_ids=programme_ids, call_id=call.id if call is not None else form.call.data,
        pair_id=form.pair.data,
        direction=Direction(form.direction.data) if form.direction.data in directions else None,
        state=ReportState(form.state.data) if form.state.data in states else None,
        overdue=bool(form.overdue.data), today=date.today())
    names = {"calls": dict(calls), "pairs": {p.id: p.display_name() for p in pairs}}
    return form, filters, names


def _desk(call=None):
    form, filters, names = _desk_filters(call)
    per_page = int(form.per_page.data) if form.per_page.data in {str(n) for n in DESK_PAGE_SIZES} \
        else DESK_PAGE_SIZES[0]
    counts = desk_counts(filters)
    total = counts.matching(filters)
    number = existing_page(page_arg(), per_page, total)
    rows = [desk_row(r, filters.today or date.today()) for r in desk_page(filters, number, per_page)]
    args = form_link_args(form, exclude=("page", "call") if call is not None else ("page",))
    link_args = {**args, "call_id": call.id} if call is not None else args
    export_args = {**args, "call": str(call.id)} if call is not None else args
    return render_template("reports/desk.html", call=call, form=form, counts=counts, states=list(ReportState),
                           page=ListPage(items=rows, page=number, per_page=per_page, total=total), names=names,
                           link_args=link_args, export_args=export_args,
                           endpoint="reports.call_reports" if call is not None else "reports.desk")


@bp.get("/manage/reports")
@roles_required(*OFFICE)
def desk():
    """The report desk: every accepted grant of the viewer's programmes and where its report stands."""
    return _desk()


@bp.get("/manage/calls/<int:call_id>/reports")
@roles_required(*OFFICE)
def call_reports(call_id: int):
    """The report desk of one call, with the call's exports."""
    return _desk(office_call(call_id))


@bp.post("/manage/reports/export")
@roles_required(*OFFICE)
def desk_export():
    """The desk's list with its filters (the query string) as CSV or Excel, made by a background job."""
    fmt = request.form.get("format")
    if fmt not in FORMATS:
        abort(400)
    _form, filters, _names = _desk_filters()
    job = jobs.start("export", current_user._get_current_object(), "mobility.reports.exports.desk_export_job",
                     fmt=fmt, programmes=None if filters.programme_ids is None else sorted(filters.programme_ids),
                     call_id=filters.call_id, pair_id=filters.pair_id,
                     direction=filters.direction.value if filters.direction else None,
                     state=filters.state.value if filters.state else None, overdue=filters.overdue)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/manage/calls/<int:call_id>/exports/<kind>")
@roles_required(*OFFICE)
def export(call_id: int, kind: str):
    """Start an export (CSV or Excel) as a background job and show its progress page."""
    call = office_call(call_id)
    fmt = request.form.get("format")
    if kind not in EXPORTS:
        abort(404)
    if fmt not in FORMATS:
        abort(400)
    job = jobs.start("export", current_user._get_current_object(), "mobility.reports.exports.export_job",
                     call_id=call.id, kind=kind, fmt=fmt)  # flushed: its id is known; queued at the commit
    return redirect(url_for("jobs.show", job_id=job.id))


def _programmes(form) -> tuple[tuple[int, ...] | None, str | None]:
    """The programmes a dashboard or outcome page counts: the one chosen (one of the viewer's, else 403), or
    all the viewer's (None: every programme, for admins); with the chosen one's name."""
    programmes = runnable_programmes(current_user)
    scope = programme_scope(current_user)
    form.programme.choices = [("", _("All my programmes") if scope is not None else _("All programmes"))] + [
        (str(p.id), p.name) for p in programmes]
    chosen = form.programme.data
    if chosen is not None:
        name = next((p.name for p in programmes if p.id == chosen), None)
        if name is None:
            abort(403)
        return (chosen,), name
    return (None if scope is None else tuple(scope)), None


def _dashboard_filters() -> tuple[DashboardFilterForm, dashboard.Filters]:
    form = DashboardFilterForm(request.args)
    # A manager's dashboard counts the calls of their own programmes only (or one of them, when chosen).
    programme_ids, _name = _programmes(form)
    form.call.choices = [("", "—")] + [(str(call_id), title) for call_id, title in call_titles_by_deadline(
        None if programme_ids is None else frozenset(programme_ids))]
    form.pair.choices = [("", "—")] + [(str(p.id), p.display_name()) for p in
                                       db.session.scalars(pairs_by_id())]
    valid = {d.value for d in Direction}, {d.value for d in Discipline}
    return form, dashboard.Filters(
        programme_ids=programme_ids,
        call_id=form.call.data or None, pair_id=form.pair.data or None,
        direction=form.direction.data if form.direction.data in valid[0] else None,
        discipline=form.discipline.data if form.discipline.data in valid[1] else None,
        year=form.year.data if form.year.data and 2000 < form.year.data < 2100 else None)


@bp.get("/manage/dashboard")
@roles_required(*OFFICE)
def dashboard_page():
    form, filters = _dashboard_filters()
    args = form_link_args(form)
    figures = dashboard.current_indicators(filters)

    def chart(title, members, counts, unit, figure=None):
        """(title, [(label, value, drill-down link)], largest value, what is counted): sectors link to the
        reports that name them, the other charts to the applications of each member."""
        key = members[0].__class__.__name__.lower()
        items = [(m.title, counts.get(m.value, 0),
                  url_for("reports.dashboard_list", figure=f"{figure}_{m.value}", **args) if figure else
                  url_for("reports.dashboard_list", figure="applications", **{**args, key: m.value}))
                 for m in members]
        return title, items, max([n for _t, n, _h in items] + [1]), unit

    charts = [
        chart(_("Balance of the two directions"), list(Direction), figures.by_direction, _("Applications")),
        chart(_("Applications by discipline"), list(Discipline), figures.by_discipline, _("Applications")),
        chart(_("Sectors touched"), list(Sector), figures.sectors, _("Approved reports"), figure="sector"),
    ]
    return render_template("reports/dashboard.html", form=form, figures=figures, args=args, charts=charts)


DRILL_DOWN_TITLES = {
    "days": _l("Mobility days: the committed grants and their days"),
    "artists": _l("Artists travelling: the committed grants and their travellers"),
    "co_creations": _l("Co-creations: the approved reports that name a work made together"),
    "audience": _l("People reached: the approved reports that count an audience"),
    "co2": _l("CO₂e of travel: the approved reports that give a means of travel"),
}
LIST_PAGE = 100


@bp.get("/manage/dashboard/<figure>")
@roles_required(*OFFICE)
def dashboard_list(figure: str):
    if figure not in dashboard.DRILL_DOWN:
        abort(404)
    form, filters = _dashboard_filters()
    page = dashboard.figure_page(figure, filters, page_arg(), LIST_PAGE)
    sector = next((s for s in Sector if figure == f"sector_{s.value}"), None)
    title = (_("Sector touched: %(sector)s", sector=sector.title) if sector else
             DRILL_DOWN_TITLES.get(figure, _l("The list behind the figure")))
    return render_template("reports/dashboard_list.html", figure=figure, page=page, title=title,
                           kind=dashboard.list_kind(figure), summed=dashboard.SUMMED.get(figure),
                           args=form_link_args(form))


def _outcomes() -> tuple[DashboardFilterForm, list, dict, str | None]:
    """The outcome table of the programme asked for (or all the viewer's), with the pairs it names."""
    form = DashboardFilterForm(request.args)
    programme_ids, name = _programmes(form)
    rows = dashboard.current_outcomes(dashboard.Filters(programme_ids=programme_ids))
    pairs = {p.id: p for p in db.session.scalars(pairs_by_id())} if rows else {}
    return form, rows, pairs, name


@bp.get("/manage/outcomes")
@roles_required(*OFFICE)
def outcome_page():
    form, rows, pairs, name = _outcomes()
    return render_template("reports/outcomes.html", form=form, rows=[(r, False) for r in rows], pairs=pairs,
                           programme=name,
                           totals=dashboard.outcome_totals(rows), figures=outcomes.FIGURES,
                           drill=outcomes.DRILL_DOWN, args=link_args("programme"))


@bp.get("/manage/outcomes.csv")
@roles_required(*OFFICE)
def outcome_csv():
    _form, rows, pairs, _name = _outcomes()
    return download(csv_bytes(outcomes.csv_header(), outcomes.csv_rows(rows, pairs)), "mobility-outcomes.csv",
                    CSV_MIMETYPE)


@bp.get("/manage/outcomes.json")
@roles_required(*OFFICE)
def outcome_json():
    _form, rows, pairs, name = _outcomes()
    response = jsonify(outcomes.document(rows, pairs, name))
    response.headers["Content-Disposition"] = 'attachment; filename="mobility-outcomes.json"'
    response.headers["Cache-Control"] = "no-store"
    return response
