"""The juror's side: my assignments, the conflict declaration, the review page, files."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts.enums import Role
from mobility.applications.attachments import ALLOWED_TYPES, with_extension
from mobility.applications.forms import ConfirmForm
from mobility.applications.models import Application
from mobility.applications.services import fully_translated_languages
from mobility.core import unit_of_work
from mobility.core.access import roles_required
from mobility.core.paging import page_arg
from mobility.core.storage import get_storage
from mobility.extensions import db
from mobility.review import policies, services
from mobility.review.anonymise import CannotAnonymise, without_metadata
from mobility.review.enums import ReviewStatus
from mobility.review.forms import ConflictForm, consensus_form_class, review_form_class
from mobility.review.models import Assignment
from mobility.review.queries import (
    assignment_for_review,
    assignment_of,
    assignments_of_juror,
    consensus_report_of,
    submitted_reviews,
)

bp = Blueprint("review", __name__, url_prefix="/review", template_folder="templates")
MY_ASSIGNMENTS_PAGE = 50


def _juror():
    return current_user._get_current_object()


def _assignment(assignment_id: int) -> Assignment:
    """The juror's own assignment, or 404 (another juror's does not exist for them)."""
    assignment = assignment_for_review(assignment_id)
    if assignment is None or not policies.is_assigned(current_user, assignment):
        abort(404)
    return assignment


@bp.get("/")
@roles_required(Role.JUROR)
def my_assignments():
    # A page at a time: a juror who served on many rounds keeps every assignment.
    page = db.paginate(assignments_of_juror(current_user.id), page=page_arg(),
                       per_page=MY_ASSIGNMENTS_PAGE, error_out=False)
    progress = services.desk_progress(_juror())
    return render_template("review/my_assignments.html", assignments=page.items, page=page,
                           form=ConfirmForm(formdata=None), progress=progress,
                           can_change={p.call_id: p.can_change for p in progress},
                           conflict_form=ConflictForm(formdata=None), sees_identity=policies.sees_identity)


@bp.post("/assignments/<int:assignment_id>/declare")
@roles_required(Role.JUROR)
def declare(assignment_id: int):
    assignment = _assignment(assignment_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("answer") == "conflict":
        if unit_of_work.attempt(None, services.declare_conflict, _juror(), assignment, form.reason.data or ""):
            flash(_("Thank you. The application has been taken from your list."), "success")
        return redirect(url_for("review.my_assignments"))
    if not unit_of_work.attempt(None, services.declare_no_conflict, _juror(), assignment):
        return redirect(url_for("review.my_assignments"))
    flash(_("Thank you. You can now read and score the application."), "success")
    return redirect(url_for("review.review_page", assignment_id=assignment_id))


def _fill(form, review) -> None:
    if review is None:
        return
    for criterion, score, comment in form.criterion_fields():
        score.data = review.scores.get(str(criterion.id), "")
        comment.data = review.comments.get(str(criterion.id), "")
    form.overall_comment.data = review.overall_comment
    form.comment_language.data = review.comment_language or ""


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(Role.JUROR)
def review_page(assignment_id: int):
    assignment = _assignment(assignment_id)
    if not policies.can_read_application(current_user, assignment):
        abort(403)  # declare first; after a declared conflict the application is out of reach
    call = assignment.application.call
    form = review_form_class(call)()
    if request.method == "GET":
        _fill(form, assignment.review)
        if not form.comment_language.data:
            form.comment_language.data = {"zh_Hans": "zh"}.get(current_user.locale, current_user.locale)
    elif form.validate_on_submit():
        submit = bool(form.submit.data)
        if not unit_of_work.attempt(
                form, services.save_review, _juror(), assignment,
                scores={c.id: s.data for c, s, _ in form.criterion_fields()},
                comments={c.id: m.data for c, _, m in form.criterion_fields()},
                overall_comment=form.overall_comment.data or "", comment_language=form.comment_language.data,
                submit=submit):
            # Rolled back: the page shows what is stored, the form what was typed.
            return _page(db.session.get_one(Assignment, assignment_id), form), 422
        flash(_("Your review is submitted. Thank you.") if submit else _("Your draft review is saved."), "success")
        return redirect(url_for("review.review_page", assignment_id=assignment_id))
    return _page(assignment, form)


def _page(assignment: Assignment, form):
    review = assignment.review
    call = assignment.application.call
    phase = services.active_phase(call)
    submitted = review is not None and review.status is ReviewStatus.SUBMITTED
    return render_template("review/review.html", assignment=assignment, application=assignment.application,
                           call=call, form=form, review=review, phase=phase, submitted=submitted,
                           read_only=submitted or not services.reviews_can_change(call, phase),
                           show_identity=policies.sees_identity(current_user, assignment),
                           full_translations=fully_translated_languages(assignment.application))


@bp.get("/assignments/<int:assignment_id>/files/<int:attachment_id>")
@roles_required(Role.JUROR)
def file(assignment_id: int, attachment_id: int):
    assignment = _assignment(assignment_id)
    if not policies.can_read_application(current_user, assignment):
        abort(403)
    attachment = next((a for a in assignment.application.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    # In a blind call even the file name could identify the artist: send a neutral one.
    extension = {mime: ext for ext, mime in ALLOWED_TYPES.items()}.get(attachment.content_type, "bin")
    name = (with_extension(attachment.display_name, attachment.content_type)
            if policies.sees_identity(current_user, assignment) else f"document-{attachment.id}.{extension}")
    data = get_storage().read(attachment.storage_key)
    if not policies.sees_identity(current_user, assignment):
        # Blind: the juror's copy carries no author, title, XMP or EXIF; the stored original stays as uploaded.
        try:
            data = without_metadata(data, attachment.content_type)
        except CannotAnonymise:
            flash(_("This file cannot be sent in a blind review: its hidden properties could not be removed. "
                    "The programme office can help."), "error")
            return redirect(url_for("review.review_page", assignment_id=assignment.id))
    response = send_file(io.BytesIO(data), mimetype=attachment.content_type,
                         as_attachment=True, download_name=name, last_modified=None, etag=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/applications/<int:application_id>/consensus", methods=["GET", "POST"])
@roles_required(Role.JUROR, Role.MANAGER, Role.ADMIN)
def consensus(application_id: int):
    """Rapporteur drafts (a juror of the application, or the office); the office approves as moderator."""
    application = db.get_or_404(Application, application_id)
    call = application.call
    phase = services.active_phase(call)
    mine = assignment_of(application.id, current_user.id)
    if not policies.can_draft_consensus(current_user, call, mine, phase):
        abort(404 if mine is None and not policies.can_manage_review(current_user, call) else 403)
    report = consensus_report_of(application.id)
    translation_locale = services.feedback_translation_locale(application)
    form = consensus_form_class(call, translation_locale)()
    if request.method == "GET" and report is not None:
        for criterion, score, comment in form.criterion_fields():
            score.data = report.scores.get(str(criterion.id), "")
            comment.data = report.comments.get(str(criterion.id), "")
            if (translated := form.translation_field(criterion)) is not None:
                translated.data = report.comments_translation.get(str(criterion.id), "")
        form.summary.data = report.summary
        if translation_locale:
            form.summary_translation.data = report.summary_translation
    if form.validate_on_submit():
        approve = bool(form.approve.data)
        if approve and not policies.can_approve_consensus(current_user, call):
            abort(403)
        if unit_of_work.attempt(form, services.save_consensus, _juror(), application,
                                scores={c.id: s.data for c, s, _ in form.criterion_fields()},
                                comments={c.id: m.data for c, _, m in form.criterion_fields()},
                                summary=form.summary.data or "", approve=approve,
                                comments_translation=form.translated_comments(),
                                summary_translation=(form.summary_translation.data or "") if translation_locale
                                else ""):
            flash(_("The consensus is approved.") if approve else _("The consensus draft is saved."), "success")
            return redirect(url_for("review.consensus", application_id=application.id))
    reviews = submitted_reviews(application.id)
    return render_template("review/consensus.html", application=application, call=call, form=form, report=report,
                           reviews=reviews, phase=phase, can_approve=policies.can_approve_consensus(current_user, call),
                           show_identity=policies.sees_identity_in_call(current_user, call))
