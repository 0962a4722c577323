"""The artist's side: dashboard, drafting (with autosave), files, team, host, submission, receipt."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from mobility.accounts.tokens import LinkExpired, LinkInvalid
from mobility.applications import policies, services, tokens
from mobility.applications.attachments import with_extension
from mobility.applications.eligibility import check_eligibility
from mobility.applications.enums import ApplicationStatus, AttachmentKind, ScreeningReason
from mobility.applications.forms import (
    AttachmentForm,
    ConfirmForm,
    HostConfirmForm,
    InviteForm,
    ScreeningForm,
    application_form_class,
)
from mobility.applications.models import Application, Attachment, TeamMember
from mobility.applications.queries import application_for_page, applications_of, screening_neighbours
from mobility.applications.receipt import render_receipt_pdf
from mobility.awards import feedback, redress
from mobility.awards import policies as award_policies
from mobility.awards.queries import notice_of, request_of
from mobility.awards.services import grant_of
from mobility.calls.enums import CallKind, QuestionKind
from mobility.calls.models import Call
from mobility.calls.policies import can_view_call, submissions_ended
from mobility.core import unit_of_work
from mobility.core.access import public, signed_in
from mobility.core.errors import DomainError, abandon_request
from mobility.core.storage import get_storage
from mobility.db import utcnow
from mobility.extensions import db
from mobility.i18n.content import localized
from mobility.i18n.formatting import local_time
from mobility.i18n.forms import compare_forms

bp = Blueprint("applications", __name__, template_folder="templates")


def _user():
    return current_user._get_current_object()


def _load(application_id: int) -> Application:
    """The application if the user may see it; 404 otherwise (its existence is not revealed)."""
    application = application_for_page(application_id)
    if application is None or not policies.can_view_application(current_user, application):
        abort(404)
    return application


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


@bp.get("/my/applications")
@signed_in
def dashboard():
    applications = db.session.scalars(applications_of(current_user.id)).all()
    missing = {a.id: services.missing_items(a) for a in applications if a.is_draft}
    return render_template("applications/dashboard.html", applications=applications, missing=missing)


@bp.post("/calls/<int:call_id>/apply")
@signed_in
def start(call_id: int):
    call = db.get_or_404(Call, call_id)
    if not can_view_call(current_user, call) or not ConfirmForm().validate_on_submit():
        abort(404 if not can_view_call(current_user, call) else 400)
    started = unit_of_work.attempt(None, services.start_application, _user(), call)
    if not started:
        return redirect(url_for("calls.detail", call_id=call_id))
    return redirect(url_for("applications.edit", application_id=started.value.id))


def _edit_page(application, form, status=200, **extra):
    attachment_form = AttachmentForm(formdata=None)
    attachment_form.question_id.choices = [("", "—")] + [
        (str(q.id), localized(q.label)) for q in application.call.questions if q.kind is QuestionKind.FILE]
    invite_form = InviteForm(formdata=None)
    pair = application.pair
    invite_form.city_id.choices = [("", "—")] + ([(str(c.id), c.display_name())
                                                  for c in (pair.europe_city, pair.east_asia_city)] if pair else [])
    return render_template("applications/edit.html", application=application, form=form,
                           attachment_form=attachment_form, invite_form=invite_form,
                           file_questions=[q for q in application.call.questions if q.kind is QuestionKind.FILE],
                           is_co_creation=application.call.kind is CallKind.CO_CREATION,
                           can_manage_team=policies.can_manage_team(current_user, application),
                           host_details=services.HOST_DETAILS,
                           confirm_form=ConfirmForm(formdata=None), **extra), status


def _fill(form, application) -> None:
    form.version.data = application.version
    for name in ("title", "summary", "start_date", "end_date", "host_organisation", "host_contact_name",
                 "host_email", "host_locale", "pair_id", "origin_city_id"):
        getattr(form, name).data = getattr(application, name)
    form.languages.data = list(application.languages)
    form.discipline.data = application.discipline.value if application.discipline else ""
    form.career_stage.data = application.career_stage.value if application.career_stage else ""
    for lang, field in form.translation_fields():
        field.data = application.summary_translations.get(lang.value, "")
        parts = (application.translations or {}).get(lang.value, {})
        by, title, answers = form.full_translation_fields(lang)
        by.data, title.data = parts.get("by", ""), parts.get("title", "")
        for question, answer in answers:
            answer.data = (parts.get("answers") or {}).get(str(question.id), "")
    for question, field in form.question_fields():
        field.data = application.answers.get(str(question.id))


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(application_id: int):
    application = _load(application_id)
    if not application.is_draft or submissions_ended(application.call):
        return redirect(url_for("applications.view", application_id=application.id))  # it says why
    _require(policies.can_edit_application(current_user, application))
    form = application_form_class(application.call)()
    if request.method == "GET":
        _fill(form, application)
    elif form.validate_on_submit():
        if _version(form) is None:
            abort(400)
        try:
            saved = unit_of_work.attempt(form, services.save_draft, _user(), application,
                                         _version(form), form.draft_data(), ask_host=True)
        except services.VersionConflict as conflict:
            return _conflict_page(conflict.application, form)
        if not saved:
            return _edit_page(db.session.get_one(Application, application_id), form, 422)
        flash(_("Your draft is saved."), "success")
        return redirect(url_for("applications.edit", application_id=application_id))
    return _edit_page(application, form)


def _conflict_page(current: Application, form):
    """409: show the saved version beside the one just sent; nothing is overwritten silently."""
    current_id = current.id
    abandon_request()  # nothing of the refused save is kept; the saved version is read again
    current = db.session.get_one(Application, current_id)
    saved = application_form_class(current.call)(formdata=None)
    _fill(saved, current)
    rows = compare_forms(form, saved)
    form.version.data = current.version  # sending this form again replaces the saved version, knowingly
    return render_template("applications/conflict.html", application=current, form=form, rows=rows), 409


def _version(form) -> int | None:
    """The version the page was loaded with; None when the form sent no number (a forged or broken page)."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


@bp.post("/applications/<int:application_id>/autosave")
@signed_in
def autosave(application_id: int):
    application = _load(application_id)
    if not policies.can_edit_application(current_user, application):
        return jsonify(error=_("This application can no longer be changed.")), 403
    form = application_form_class(application.call)()
    if not form.validate():
        return jsonify(error=_("Not saved: check the marked fields."), fields=form.errors), 422
    version = _version(form)
    if version is None:
        return jsonify(error=_("Not saved: reload the page and try again.")), 400
    # Answered in JSON, not on a form: the refusal ends the request's unit of work here (nothing is kept).
    try:
        services.save_draft(_user(), application, version, form.draft_data(),
                            save_id=form.save_id.data or None, lost_save=form.lost_save.data or None)
    except services.VersionConflict:
        abandon_request()
        return jsonify(conflict=True, error=_("Not saved: this draft was changed in another window or by a team "
                                              "member. Save with the button to compare both versions.")), 409
    except DomainError as error:
        abandon_request()
        return jsonify(error=str(error.message), field=error.field), 422
    saved_at = local_time(application.updated_at, "short")
    # A fresh token with every save: a page left open for hours keeps a valid form.
    return jsonify(version=application.version, saved_at=saved_at, csrf_token=generate_csrf(),
                   message=_("Saved at %(time)s", time=saved_at))


@bp.get("/applications/<int:application_id>")
@signed_in
def view(application_id: int):
    application = _load(application_id)
    screening_form, screening = None, None
    if policies.can_screen_applications(current_user, application.call) and not application.is_draft:
        screening_form = ScreeningForm(formdata=None)
        if application.screened_at is not None:  # the screening already recorded, to read or to change
            screening_form.decision.data = ("ineligible" if application.status is ApplicationStatus.INELIGIBLE
                                            else "eligible")
            screening_form.reason.data = application.screening_reason.value if application.screening_reason else ""
            screening_form.note.data = application.screening_note or ""
        previous, following = screening_neighbours(application)
        # Screened applications move on (review, decision): then the screening is shown, no longer recorded.
        can_record = any(services.APPLICATION.allows(application.status, s)
                         for s in (ApplicationStatus.ELIGIBLE, ApplicationStatus.INELIGIBLE))
        screening = {"checks": check_eligibility(application, office=True), "previous": previous,
                     "next": following, "can_record": can_record}
    grant = grant_of(application)
    ended = submissions_ended(application.call)
    # After the decision letter: the evaluation summary and the window for a request for review.
    notice = notice_of(application) if award_policies.can_read_evaluation(current_user, application) else None
    return render_template("applications/view.html", application=application, grant=grant, notice=notice,
                           summary=feedback.summary_of(application) if notice else None,
                           request_made=request_of(application) if notice else None,
                           redress_open=redress.window_open(notice),
                           can_ask=award_policies.can_request_redress(current_user, application),
                           screening=screening, office_view=current_user.id != application.applicant_id,
                           can_edit=policies.can_edit_application(current_user, application)
                           and not ended,
                           can_withdraw=policies.can_withdraw_application(current_user, application),
                           can_reopen=policies.can_reopen_application(current_user, application),
                           submissions_ended=ended,
                           last_submission_counts=application.is_draft and application.receipt is not None
                           and ended,
                           host_now=_host_now(application, grant), host_details=services.HOST_DETAILS,
                           host_changes=services.host_changes,
                           screening_form=screening_form, confirm_form=ConfirmForm(formdata=None))


def _host_now(application: Application, grant) -> dict:
    """The stay as it is now (with a grant: the grant's dates, which an amendment may have changed)."""
    if grant is not None:
        return services.host_snapshot(application, start=grant.start_date, end=grant.end_date)
    return services.host_snapshot(application)


@bp.route("/applications/<int:application_id>/submit", methods=["GET", "POST"])
@signed_in
def submit(application_id: int):
    application = _load(application_id)
    form = ConfirmForm()
    if request.method == "POST":
        _require(policies.is_owner(current_user, application))
        if form.validate_on_submit():
            submitted = unit_of_work.attempt(None, services.submit_application, _user(), application)
            if not submitted:
                return redirect(url_for("applications.submit", application_id=application_id))
            flash(_("Your application is submitted. Your reference is %(reference)s.",
                    reference=submitted.value.reference), "success")
            return redirect(url_for("applications.view", application_id=application_id))
    if not application.is_draft:
        return redirect(url_for("applications.view", application_id=application.id))
    return render_template("applications/submit.html", application=application, form=form,
                           checks=check_eligibility(application), missing=services.missing_items(application),
                           can_submit=policies.can_submit_application(current_user, application))


@bp.get("/applications/<int:application_id>/receipt.pdf")
@signed_in
def receipt_pdf(application_id: int):
    """The receipt of the latest submission."""
    application = _load(application_id)
    if application.receipt is None:
        abort(404)
    return _receipt_response(application, application.receipt)


@bp.get("/applications/<int:application_id>/receipts/<int:number>.pdf")
@signed_in
def numbered_receipt_pdf(application_id: int, number: int):
    """The receipt of one submission (each submission keeps its own)."""
    application = _load(application_id)
    receipt = next((r for r in application.receipts if r.number == number), None)
    if receipt is None:
        abort(404)
    return _receipt_response(application, receipt)


def _receipt_response(application: Application, receipt):
    pdf = render_receipt_pdf(application, receipt)
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"{receipt.reference}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@signed_in
def withdraw(application_id: int):
    """A page that says what withdrawing means, then the withdrawal."""
    application = _load(application_id)
    _require(policies.can_withdraw_application(current_user, application))
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if unit_of_work.attempt(None, services.withdraw_application, _user(), application):
            flash(_("Your application is withdrawn."), "success")
        return redirect(url_for("applications.view", application_id=application.id))
    return render_template("applications/withdraw.html", application=application, form=form,
                           before_deadline=utcnow() < application.call.closes_at)


@bp.route("/applications/<int:application_id>/reopen", methods=["GET", "POST"])
@signed_in
def reopen(application_id: int):
    """Until the deadline: a page that says what reopening means, then the application is a draft again."""
    application = _load(application_id)
    _require(policies.can_reopen_application(current_user, application))
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if unit_of_work.attempt(None, services.reopen_application, _user(), application):
            flash(_("Your application is a draft again. Submit it again before the deadline."), "success")
            return redirect(url_for("applications.edit", application_id=application.id))
        return redirect(url_for("applications.view", application_id=application.id))
    return render_template("applications/reopen.html", application=application, form=form)


# ---- attachments ----------------------------------------------------------------------------

@bp.post("/applications/<int:application_id>/attachments")
@signed_in
def upload(application_id: int):
    application = _load(application_id)
    _require(policies.can_edit_application(current_user, application))
    form = AttachmentForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        attached = unit_of_work.attempt(None, services.add_attachment, _user(), application,
                                        kind=AttachmentKind(form.kind.data), filename=upload_file.filename or "",
                                        data=upload_file.read(), question_id=form.question_id.data)
        if not attached:  # nothing of the refused upload is kept; the page is read again
            edit_form = application_form_class(application.call)(formdata=None)
            application = db.session.get_one(Application, application_id)
            _fill(edit_form, application)
            page, _status = _edit_page(application, edit_form)
            return page, 413 if isinstance(attached.error, services.TooLarge) else 422
        flash(_("The file is attached."), "success")
    else:
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
    return redirect(url_for("applications.edit", application_id=application.id) + "#files")


def _attachment(application: Application, attachment_id: int) -> Attachment:
    attachment = next((a for a in application.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return attachment


@bp.post("/applications/<int:application_id>/attachments/<int:attachment_id>/delete")
@signed_in
def delete_upload(application_id: int, attachment_id: int):
    application = _load(application_id)
    _require(policies.can_edit_application(current_user, application))
    attachment = _attachment(application, attachment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_attachment(_user(), application, attachment)
    flash(_("The file is removed."), "success")
    return redirect(url_for("applications.edit", application_id=application.id) + "#files")


@bp.get("/applications/<int:application_id>/attachments/<int:attachment_id>")
@signed_in
def download(application_id: int, attachment_id: int):
    application = _load(application_id)
    _require(policies.can_download_attachment(current_user, application))
    attachment = _attachment(application, attachment_id)
    data = get_storage().read(attachment.storage_key)
    response = send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                         download_name=with_extension(attachment.display_name, attachment.content_type))
    # Never rendered by the browser, never cached by a proxy.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- team and host --------------------------------------------------------------------------

@bp.post("/applications/<int:application_id>/team")
@signed_in
def invite(application_id: int):
    application = _load(application_id)
    _require(policies.can_manage_team(current_user, application))
    form = InviteForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(None, services.invite_member, _user(), application, name=form.name.data,
                                email=form.email.data, city_id=form.city_id.data,
                                locale=form.locale.data):
            flash(_("The invitation is sent."), "success")
    else:
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
    return redirect(url_for("applications.edit", application_id=application_id) + "#team")


@bp.route("/team/invitation/<token>", methods=["GET", "POST"])
@signed_in
def team_invitation(token: str):
    try:
        member = tokens.member_for_invitation_token(token, lambda i: db.session.get(TeamMember, i))
    except (LinkInvalid, LinkExpired):
        flash(_("This invitation link is not valid or has expired. Ask the lead applicant for a new one."), "error")
        return redirect(url_for("applications.dashboard"))
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        accept = request.form.get("answer") == "accept"
        if unit_of_work.attempt(None, services.respond_to_invitation, _user(), member, accept):
            flash(_("You have joined the team.") if accept else _("You have declined the invitation."), "success")
            return redirect(url_for("applications.dashboard"))
    return render_template("applications/invitation.html", member=member, form=form)


@bp.post("/applications/<int:application_id>/host-request")
@signed_in
def ask_host(application_id: int):
    application = _load(application_id)
    _require(policies.can_edit_application(current_user, application))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if unit_of_work.attempt(None, services.request_host_confirmation, _user(), application):
        flash(_("We have asked the host to confirm."), "success")
    return redirect(url_for("applications.edit", application_id=application_id) + "#host")


@bp.route("/host/confirm/<token>", methods=["GET", "POST"])
@public
def host_confirmation(token: str):
    """The host sees the stay as the request showed it and confirms that version (no account needed)."""
    try:
        confirmation = services.host_confirmation_for_token(token)
    except (LinkInvalid, LinkExpired):
        return render_template("errors/error.html", code=404, title=_("Link not valid"),
                               text=_("This confirmation link is not valid or has expired.")), 404
    form = HostConfirmForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(form, services.confirm_host, confirmation, name=form.name.data):
            flash(_("Thank you: the stay is confirmed."), "success")
            return redirect(url_for("applications.host_confirmation", token=token))
        confirmation = services.host_confirmation_for_token(token)  # read again after the refusal
    return render_template("applications/host_confirm.html", confirmation=confirmation, form=form,
                           application=db.session.get_one(Application, confirmation.application_id),
                           changed=[str(services.HOST_DETAILS[k]) for k in confirmation.changed
                                    if k in services.HOST_DETAILS])


@bp.post("/applications/<int:application_id>/screen")
@signed_in
def screen(application_id: int):
    application = _load(application_id)
    _require(policies.can_screen_applications(current_user, application.call))
    form = ScreeningForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(None, services.screen_application, _user(), application,
                                eligible=form.decision.data == "eligible",
                                reason=ScreeningReason(form.reason.data) if form.reason.data else None,
                                note=form.note.data):
            flash(_("The screening is recorded."), "success")
    else:
        for errors in form.errors.values():
            flash(str(errors[0]), "error")
    return redirect(url_for("applications.view", application_id=application_id))

