"""The office's side of review: the jury, assignment runs, consensus, ranking, decisions, the lock."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts.enums import Role
from mobility.accounts.models import User
from mobility.accounts.queries import users_with_role
from mobility.applications.forms import ConfirmForm
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.calls.office import office_call, require_running
from mobility.core import unit_of_work
from mobility.core.access import roles_required
from mobility.core.paging import id_or_none, page_arg
from mobility.extensions import db
from mobility.review import ranking, services
from mobility.review.enums import Decision, PairRule, PhaseKind
from mobility.review.forms import DecisionForm, JurorForm, PairRuleForm, PhaseForm
from mobility.review.jobs import start_assignment_run
from mobility.review.models import Assignment
from mobility.review.queries import (
    applications_to_assign,
    call_assignments,
    declared_conflicts,
    juror_loads,
    jurors_of_call,
    jury_pool,
    pair_rules,
)

bp = Blueprint("manage_review", __name__, url_prefix="/manage", template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)
RANKING_PAGE_SIZE = 50


def _actor():
    return current_user._get_current_object()


@bp.route("/calls/<int:call_id>/jury", methods=["GET", "POST"])
@roles_required(*OFFICE)
def jury(call_id: int):
    call = office_call(call_id)
    form = JurorForm()
    jurors = users_with_role(Role.JUROR)
    form.user_id.choices = [(u.id, f"{u.name} <{u.email}>") for u in jurors]
    if form.validate_on_submit():
        juror = db.session.get(User, form.user_id.data)
        if juror is None:
            abort(400)
        if unit_of_work.attempt(form, services.add_juror, _actor(), call, juror, form.max_load.data):
            flash(_("%(name)s is in the jury.", name=juror.name), "success")
            return redirect(url_for("manage_review.jury", call_id=call.id))
    pool = jury_pool(call.id)
    loads = juror_loads(call.id)
    return render_template("review/manage_jury.html", call=call, form=form, pool=pool, loads=loads)


@bp.route("/calls/<int:call_id>/assignment", methods=["GET", "POST"])
@roles_required(*OFFICE)
def assignment(call_id: int):
    call = office_call(call_id)
    if request.method == "POST":  # CSRF-checked like every POST; the run is a background job (any size)
        started = unit_of_work.attempt(None, start_assignment_run, _actor(), call,
                                       accept_partial=request.form.get("partial") == "1")
        if not started:
            return redirect(url_for("manage_review.assignment", call_id=call.id))
        return redirect(url_for("jobs.show", job_id=started.value.id))  # queued once the request commits
    rows = applications_to_assign(call.id)
    by_application: dict[int, list[Assignment]] = {}
    for item in call_assignments(call.id):
        by_application.setdefault(item.application_id, []).append(item)
    pool = jurors_of_call(call.id)
    rules = pair_rules(a.id for a in rows)
    return render_template("review/manage_assignment.html", call=call, form=ConfirmForm(formdata=None),
                           rows=rows, by_application=by_application, pool=pool, rules=rules,
                           conflicts=declared_conflicts(call.id))


@bp.post("/applications/<int:application_id>/pair-rule")
@roles_required(*OFFICE)
def pair_rule(application_id: int):
    application = db.get_or_404(Application, application_id)
    require_running(application.call)
    form = PairRuleForm()
    juror = db.session.get(User, id_or_none(request.form.get("juror_id")) or 0)
    if juror is None or not form.validate_on_submit():
        abort(400)
    services.set_pair_rule(_actor(), application, juror, PairRule(form.rule.data) if form.rule.data else None)
    flash(_("The rule is saved. Run the assignment again to apply it."), "success")
    return redirect(url_for("manage_review.assignment", call_id=application.call_id))


@bp.get("/calls/<int:call_id>/ranking")
@roles_required(*OFFICE)
def ranking_page(call_id: int):
    call = office_call(call_id, ranking.CALL_OPTIONS)
    phase = services.active_phase(call)
    phase_form = PhaseForm(formdata=None)
    phase_form.phase.data = phase.kind.value
    page, budget_lines = ranking.ranking_page(call, page_arg(), RANKING_PAGE_SIZE)
    return render_template("review/manage_ranking.html", call=call, page=page, budget_lines=budget_lines,
                           phase_form=phase_form, decision_form=DecisionForm(formdata=None),
                           lock_form=ConfirmForm(formdata=None), phase=phase)


@bp.post("/calls/<int:call_id>/phase")
@roles_required(*OFFICE)
def phase(call_id: int):
    call = office_call(call_id)
    form = PhaseForm()
    if not form.validate_on_submit():
        abort(400)
    kind = PhaseKind(form.phase.data)
    confirmed = request.form.get("confirmed") == "1"
    backwards, effects = services.phase_change(call, kind)
    if backwards and not confirmed:
        # Going back reopens what the later phase closed: the office reads what, then confirms.
        return render_template("review/confirm_phase.html", call=call, form=form, kind=kind,
                               current=services.active_phase(call), effects=effects)
    if unit_of_work.attempt(None, services.move_to_phase, _actor(), call, kind, confirmed=confirmed):
        flash(_("The review is now in the phase: %(phase)s.", phase=kind.title), "success")
    return redirect(url_for("manage_review.ranking_page", call_id=call.id))


@bp.post("/applications/<int:application_id>/decision")
@roles_required(*OFFICE)
def decision(application_id: int):
    application = db.get_or_404(Application, application_id)
    require_running(application.call)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for the decision."), "error")
        return redirect(url_for("manage_review.ranking_page", call_id=application.call_id))
    decision = Decision(form.decision.data)
    done: unit_of_work.Done[object] | unit_of_work.Refused
    if decision is Decision.AWARD:
        row = next((r for r in ranking.ranking_rows(application.call) if r.application_id == application.id), None)
        if row is not None and not row.passes and row.decision is not Decision.AWARD \
                and request.form.get("confirmed") != "1":
            # Below a threshold: the office says so once more before the grant is offered.
            return render_template("review/confirm_award.html", call=application.call, application=application,
                                   row=row, form=form)
        done = unit_of_work.attempt(None, awards.award_application, _actor(), application,
                                    form.reason.data)  # with the grant offer; sent again, the same grant
    else:
        done = unit_of_work.attempt(None, services.record_decision, _actor(), application, decision, form.reason.data)
    if done:
        flash(_("The decision is recorded."), "success")
    return redirect(url_for("manage_review.ranking_page", call_id=application.call_id))


@bp.get("/calls/<int:call_id>/lock")
@roles_required(*OFFICE)
def confirm_lock(call_id: int):
    """Locking always asks first, and says which applications would stay without a decision."""
    call = office_call(call_id, ranking.CALL_OPTIONS)
    undecided = [r for r in ranking.ranking_rows(call) if r.decision is None]
    return render_template("review/confirm_lock.html", call=call, undecided=undecided,
                           form=ConfirmForm(formdata=None))


@bp.post("/calls/<int:call_id>/lock")
@roles_required(*OFFICE)
def lock(call_id: int):
    call = office_call(call_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("confirmed") != "1":  # only the confirmation page sends it
        return redirect(url_for("manage_review.confirm_lock", call_id=call.id))
    if unit_of_work.attempt(None, services.lock_panel, _actor(), call):
        flash(_("The panel is locked. Scores and decisions can no longer change."), "success")
    return redirect(url_for("manage_review.ranking_page", call_id=call.id))
