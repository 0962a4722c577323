"""The call editor for programme managers: each view loads, checks, calls one service; the request commits."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts.enums import Role
from mobility.accounts.models import Programme
from mobility.accounts.policies import programme_scope
from mobility.accounts.queries import runnable_programmes
from mobility.applications import services as application_services
from mobility.awards import services as awards
from mobility.calls import forms, rules, services
from mobility.calls.enums import (
    CallKind,
    CallStatus,
    CallText,
    QuestionKind,
    Questionnaire,
    RuleKind,
    SharedComments,
)
from mobility.calls.models import Call, EligibilityRule
from mobility.calls.office import office_call
from mobility.calls.public_views import call_page_context
from mobility.calls.queries import all_calls
from mobility.cities.enums import Direction
from mobility.cities.queries import pairs_newest_first
from mobility.core import unit_of_work
from mobility.core.access import roles_required
from mobility.extensions import db
from mobility.i18n.content import localized, present_locales
from mobility.i18n.forms import fill_localized, localized_data
from mobility.i18n.locales import LOCALES, utc_to_local

bp = Blueprint("manage_calls", __name__, url_prefix="/manage/calls", template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)


def _actor():
    return current_user._get_current_object()


def _apply(form, action, success: str, redirect_to: str):
    """Run a service; a refusal is shown on the form (None: the view shows the page again), else redirect."""
    if not unit_of_work.attempt(form, action):
        return None
    flash(success, "success")
    return redirect(redirect_to)


def _pair_choices():
    return [(p.id, p.display_name() + (f" ({_('illustrative')})" if p.illustrative else ""))
            for p in pairs_newest_first()]


@bp.get("/")
@roles_required(*OFFICE)
def index():
    calls = db.session.scalars(all_calls(programme_scope(current_user))).all()
    return render_template("calls/manage/index.html", calls=calls, programmes=runnable_programmes(current_user))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def new():
    programmes = runnable_programmes(current_user)
    # With one programme there is nothing to choose: it is preselected.
    form = forms.CallCreateForm(programme_id=programmes[0].id if len(programmes) == 1 else None)
    form.programme_id.choices = [(p.id, p.name) for p in programmes]
    form.pair_ids.choices = _pair_choices()
    if form.validate_on_submit():
        created = unit_of_work.attempt(
            form, services.create_call, _actor(), programme_id=form.programme_id.data, kind=CallKind(form.kind.data),
            title_en=form.title.data, pair_ids=form.pair_ids.data,
            opens_local=form.opens_at.data, closes_local=form.closes_at.data, timezone=form.timezone.data)
        if created:
            flash(_("The draft call is created. Add its texts, rules, questions and rubric, then publish it."),
                  "success")
            return redirect(url_for("manage_calls.overview", call_id=created.value.id))  # flushed: it has an id
    return render_template("calls/manage/new.html", form=form, programmes=programmes)


@bp.get("/<int:call_id>")
@roles_required(*OFFICE)
def overview(call_id: int):
    call = office_call(call_id)
    completeness = {field: present_locales(getattr(call, field.value)) for field in CallText}
    return render_template("calls/manage/overview.html", call=call, completeness=completeness,
                           problems=services.publication_problems(call), locked=services.rubric_locked(call),
                           transitions=sorted(services.TRANSITIONS[call.status], key=list(CallStatus).index),
                           status_form=forms.StatusForm(), locales=LOCALES, explain=_explain_rule)


@bp.post("/<int:call_id>/status/<status>")
@roles_required(*OFFICE)
def change_status(call_id: int, status: str):
    call = office_call(call_id)
    form = forms.StatusForm()
    if status not in {s.value for s in CallStatus} or not form.validate_on_submit():
        abort(400)
    target = CallStatus(status)
    confirmed = request.form.get("confirmed") == "1"
    effects = services.status_change_effects(call, target)
    if effects and not confirmed:
        # Going back reopens what the later state closed: the office reads what, then confirms.
        return render_template("calls/manage/confirm_status.html", call=call, form=form, target=target,
                               effects=effects)
    if unit_of_work.attempt(None, services.set_call_status, _actor(), call, target, confirmed=confirmed):
        flash(_("The call is now: %(status)s.", status=call.status.title), "success")
        # Closed: an application reopened and not submitted again is the version last submitted, at once.
        restored = application_services.settle_deadline(_actor(), call)
        if restored:
            flash(ngettext("%(num)d reopened application was not submitted again: its last submission is the one "
                           "reviewed, and the applicant has been told.",
                           "%(num)d reopened applications were not submitted again: their last submissions are "
                           "the ones reviewed, and the applicants have been told.", restored), "info")
    return redirect(url_for("manage_calls.overview", call_id=call_id))


@bp.route("/<int:call_id>/texts/<locale>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def texts(call_id: int, locale: str):
    call = office_call(call_id)
    if locale not in LOCALES:
        abort(404)
    form = forms.CallTextsForm()
    if request.method == "GET":
        for field in CallText:
            getattr(form, field.value).data = getattr(call, field.value).get(locale, "")
        form.seen.data = services.texts_digest(call, locale)
    theirs = None
    if form.validate_on_submit():
        texts = {field.value: getattr(form, field.value).data for field in CallText}
        saved = unit_of_work.attempt(form, services.update_texts, _actor(), call, locale, texts,
                                     seen=form.seen.data or None)
        if saved:
            flash(_("The texts are saved."), "success")
            return redirect(url_for("manage_calls.overview", call_id=call.id))
        if isinstance(saved.error, services.TextsConflict):
            # Both versions: what this manager typed stays in the form, the other's is shown beside it; the
            # next save is made knowing it.
            theirs = saved.error.theirs
            form.seen.data = services.texts_digest(call, locale)
    english = {field.value: call.text(field.value, "en") for field in CallText}
    return render_template("calls/manage/texts.html", call=call, form=form, locale=locale, english=english,
                           theirs=theirs, labels={f.value: f.title for f in CallText}), 409 if theirs else 200


def _fill_settings(form: forms.CallSettingsForm, call: Call) -> None:
    form.kind.data = call.kind.value
    form.pair_ids.data = [p.id for p in call.pairs]
    form.directions.data = list(call.directions)
    form.opens_at.data = utc_to_local(call.opens_at, call.timezone)
    form.closes_at.data = utc_to_local(call.closes_at, call.timezone)
    form.timezone.data = call.timezone
    form.disciplines.data = [d.value for d in call.discipline_values]
    form.accepted_languages.data = list(call.accepted_languages)
    form.required_texts.data = list(call.required_texts)
    form.required_locales.data = list(call.required_locales)
    form.reviewers_per_application.data = call.reviewers_per_application
    form.min_reviews_per_juror.data = call.min_reviews_per_juror
    form.blind_review.data = call.blind_review
    form.same_city_conflict.data = call.same_city_conflict
    form.first_instalment_percent.data = call.first_instalment_percent
    form.appeal_days.data = call.appeal_days
    form.offer_days.data = call.offer_days
    form.shared_comments.data = call.shared_comments.value
    form.report_min_photos.data = call.report_min_photos
    form.interim_report_days.data = call.interim_report_days
    form.review_due_at.data = utc_to_local(call.review_due_at, call.timezone) if call.review_due_at else None


@bp.route("/<int:call_id>/settings", methods=["GET", "POST"])
@roles_required(*OFFICE)
def settings(call_id: int):
    call = office_call(call_id)
    form = forms.CallSettingsForm()
    form.pair_ids.choices = _pair_choices()
    if request.method == "GET":
        _fill_settings(form, call)
    if form.validate_on_submit():
        done = _apply(form, lambda: services.update_settings(
            _actor(), call, kind=CallKind(form.kind.data), pair_ids=form.pair_ids.data,
            directions=form.directions.data, opens_local=form.opens_at.data, closes_local=form.closes_at.data,
            timezone=form.timezone.data, disciplines=form.disciplines.data,
            accepted_languages=form.accepted_languages.data, required_texts=form.required_texts.data,
            required_locales=form.required_locales.data,
            reviewers_per_application=form.reviewers_per_application.data, blind_review=form.blind_review.data,
            min_reviews_per_juror=form.min_reviews_per_juror.data, same_city_conflict=form.same_city_conflict.data,
            first_instalment_percent=form.first_instalment_percent.data, appeal_days=form.appeal_days.data,
            offer_days=form.offer_days.data, review_due_local=form.review_due_at.data,
            shared_comments=SharedComments(form.shared_comments.data) if form.shared_comments.data else None,
            report_min_photos=form.report_min_photos.data,
            # an empty field: no interim report; a form without the field leaves the setting as it is
            interim_report_days=form.interim_report_days.data if "interim_report_days" in request.form else ...),
            _("The settings are saved."), url_for("manage_calls.overview", call_id=call.id))
        if done:
            return done
    return _settings_page(call, form)


def _settings_page(call: Call, form, move_form=None, status: int = 200):
    programmes = runnable_programmes(current_user)
    if move_form is None:
        move_form = forms.MoveCallForm(formdata=None, prefix="move", programme_id=call.programme_id)
    move_form.programme_id.choices = [(p.id, p.name) for p in programmes]
    return render_template("calls/manage/settings.html", call=call, form=form, locked=services.rubric_locked(call),
                           move_form=move_form if len(programmes) > 1 else None), status


@bp.post("/<int:call_id>/programme")
@roles_required(*OFFICE)
def move(call_id: int):
    call = office_call(call_id)
    form = forms.MoveCallForm(prefix="move")
    if form.validate_on_submit():
        if unit_of_work.attempt(form, services.move_call, _actor(), call, form.programme_id.data):
            # Named by the id just set (a relationship loaded earlier would still name the former programme).
            programme = db.session.get_one(Programme, call.programme_id)
            flash(_("The call now belongs to %(programme)s.", programme=programme.name), "success")
            return redirect(url_for("manage_calls.overview", call_id=call.id))
    call = db.session.get_one(Call, call_id)
    settings_form = forms.CallSettingsForm(formdata=None)
    settings_form.pair_ids.choices = _pair_choices()
    _fill_settings(settings_form, call)
    return _settings_page(call, settings_form, form, 422)


# ---- eligibility rules -----------------------------------------------------------------------

def _explain_rule(rule: EligibilityRule) -> str:
    return rules.explain(rule.kind, rule.params)


def _rule_form(call: Call) -> forms.RuleForm:
    form = forms.RuleForm()
    cities = {c for pair in call.pairs for c in (pair.europe_city, pair.east_asia_city)}
    form.city_ids.choices = [(c.id, c.display_name()) for c in sorted(cities, key=lambda c: c.name_en)]
    return form


@bp.route("/<int:call_id>/rules", methods=["GET", "POST"])
@bp.route("/<int:call_id>/rules/<int:rule_id>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def rules_page(call_id: int, rule_id: int | None = None):
    call = office_call(call_id)
    rule = _child(call.rules, rule_id)
    form = _rule_form(call)
    if request.method == "GET" and rule is not None:
        form.kind.data = rule.kind.value
        params = rule.params
        form.min_value.data, form.max_value.data = params.get("min"), params.get("max")
        form.sides.data, form.disciplines.data = params.get("sides", []), params.get("disciplines", [])
        form.stages.data, form.city_ids.data = params.get("stages", []), params.get("city_ids", [])
        form.start_date.data = date.fromisoformat(params["start"]) if params.get("start") else None
        form.end_date.data = date.fromisoformat(params["end"]) if params.get("end") else None
    if form.validate_on_submit():
        done = _apply(form, lambda: services.save_rule(_actor(), call, RuleKind(form.kind.data), form.params(), rule),
                      _("The rule is saved."), url_for("manage_calls.rules_page", call_id=call.id))
        if done:
            return done
    return render_template("calls/manage/rules.html", call=call, form=form, editing=rule,
                           explain=_explain_rule, locked=services.rubric_locked(call))


@bp.post("/<int:call_id>/rules/<int:rule_id>/delete")
@roles_required(*OFFICE)
def delete_rule(call_id: int, rule_id: int):
    call = office_call(call_id)
    rule = _child(call.rules, rule_id)
    return _delete(call, lambda: services.delete_rule(_actor(), call, rule), _("The rule is deleted."),
                   url_for("manage_calls.rules_page", call_id=call.id))


def _child(items, item_id):
    if item_id is None:
        return None
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _delete(call, action, message, target):
    if not forms.StatusForm().validate_on_submit():
        abort(400)
    if unit_of_work.attempt(None, action):
        flash(message, "success")
    return redirect(target)


# ---- questions -------------------------------------------------------------------------------

@bp.route("/<int:call_id>/questions", methods=["GET", "POST"], defaults={"questionnaire": "application"})
@bp.route("/<int:call_id>/questions/<int:question_id>", methods=["GET", "POST"],
          defaults={"questionnaire": "application"})
@bp.route("/<int:call_id>/report-questions", methods=["GET", "POST"], defaults={"questionnaire": "report"})
@bp.route("/<int:call_id>/report-questions/<int:question_id>", methods=["GET", "POST"],
          defaults={"questionnaire": "report"})
@bp.route("/<int:call_id>/interim-questions", methods=["GET", "POST"], defaults={"questionnaire": "interim"})
@bp.route("/<int:call_id>/interim-questions/<int:question_id>", methods=["GET", "POST"],
          defaults={"questionnaire": "interim"})
@roles_required(*OFFICE)
def questions(call_id: int, questionnaire: str, question_id: int | None = None):
    call = office_call(call_id)
    which = Questionnaire(questionnaire)
    siblings = services.questions_of(call, which)
    question = _child(siblings, question_id)
    form = forms.QuestionForm()
    earlier = [q for q in siblings if question is None or q.position < question.position]
    form.condition_question_id.choices = [("", _("(always shown)"))] + [
        (str(q.id), f"{q.position + 1}. {localized(q.label)}") for q in earlier]
    if request.method == "GET" and question is not None:
        form.kind.data, form.required.data = question.kind.value, question.required
        form.max_length.data = question.max_length
        form.condition_question_id.data = question.condition_question_id
        form.condition_value.data = question.condition_value
        fill_localized(form, "label", question.label)
        fill_localized(form, "help", question.help)
        forms.fill_options(form, question.options)
    if form.validate_on_submit():
        done = _apply(form, lambda: services.save_question(
            _actor(), call, kind=QuestionKind(form.kind.data), required=form.required.data,
            label=localized_data(form, "label"), help=localized_data(form, "help"),
            max_length=form.max_length.data, options=forms.parse_options(form),
            condition_question_id=form.condition_question_id.data, condition_value=form.condition_value.data,
            question=question, questionnaire=which), _("The question is saved."),
            url_for("manage_calls.questions", call_id=call.id, questionnaire=which.value))
        if done:
            return done
    return render_template("calls/manage/questions.html", call=call, form=form, editing=question,
                           questionnaire=which, questions=siblings,
                           questions_locked=services.questions_locked(call, which),
                           # the banner of the call's pages: the application form's lock, not the report's
                           locked=which is Questionnaire.APPLICATION and services.rubric_locked(call))


@bp.post("/<int:call_id>/questions/<int:question_id>/delete")
@roles_required(*OFFICE)
def delete_question(call_id: int, question_id: int):
    call = office_call(call_id)
    question = _child(call.questions + call.report_questions + call.interim_questions, question_id)
    return _delete(call, lambda: services.delete_question(_actor(), call, question), _("The question is deleted."),
                   url_for("manage_calls.questions", call_id=call.id, questionnaire=question.questionnaire.value))


# ---- rubric ----------------------------------------------------------------------------------

@bp.route("/<int:call_id>/rubric", methods=["GET", "POST"])
@roles_required(*OFFICE)
def rubric(call_id: int):
    call = office_call(call_id)
    form = forms.ScaleForm(prefix="scale")
    if request.method == "GET":
        form.scale_min.data, form.scale_max.data = call.scale_min, call.scale_max
        form.scale_step.data, form.overall_threshold.data = call.scale_step, call.overall_threshold
    if form.validate_on_submit():
        done = _apply(form, lambda: services.update_scale(
            _actor(), call, scale_min=form.scale_min.data, scale_max=form.scale_max.data,
            scale_step=form.scale_step.data, overall_threshold=form.overall_threshold.data),
            _("The scale is saved."), url_for("manage_calls.rubric", call_id=call.id))
        if done:
            return done
    return _rubric_page(call, form, forms.CriterionForm(prefix="criterion", formdata=None), None)


def _rubric_page(call, scale_form, criterion_form, editing):
    return render_template("calls/manage/rubric.html", call=call, scale_form=scale_form,
                           criterion_form=criterion_form, editing=editing, locked=services.rubric_locked(call),
                           max_total=services.max_weighted_total(call))


@bp.route("/<int:call_id>/rubric/criteria", methods=["POST"])
@bp.route("/<int:call_id>/rubric/criteria/<int:criterion_id>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def criterion(call_id: int, criterion_id: int | None = None):
    call = office_call(call_id)
    existing = _child(call.criteria, criterion_id)
    form = forms.CriterionForm(prefix="criterion")
    if request.method == "GET" and existing is not None:
        form.weight.data, form.threshold.data = existing.weight, existing.threshold
        form.tie_break_rank.data = existing.tie_break_rank
        fill_localized(form, "label", existing.label)
        fill_localized(form, "description", existing.description)
    if form.validate_on_submit():
        done = _apply(form, lambda: services.save_criterion(
            _actor(), call, label=localized_data(form, "label"), description=localized_data(form, "description"),
            weight=form.weight.data, threshold=form.threshold.data, tie_break_rank=form.tie_break_rank.data,
            criterion=existing), _("The criterion is saved."), url_for("manage_calls.rubric", call_id=call.id))
        if done:
            return done
    scale_form = forms.ScaleForm(prefix="scale", formdata=None, obj=call)
    return _rubric_page(call, scale_form, form, existing)


@bp.post("/<int:call_id>/rubric/criteria/<int:criterion_id>/delete")
@roles_required(*OFFICE)
def delete_criterion(call_id: int, criterion_id: int):
    call = office_call(call_id)
    existing = _child(call.criteria, criterion_id)
    return _delete(call, lambda: services.delete_criterion(_actor(), call, existing), _("The criterion is deleted."),
                   url_for("manage_calls.rubric", call_id=call.id))


# ---- budget and rates ------------------------------------------------------------------------

@bp.route("/<int:call_id>/budget", methods=["GET", "POST"])
@roles_required(*OFFICE)
def budget(call_id: int):
    call = office_call(call_id)
    form = forms.budget_form_class(call)(prefix="budget")
    if request.method == "GET":
        for entry in call.budgets:
            field = getattr(form, f"budget_{entry.pair_id}_{entry.direction.value}", None)
            if field is not None:
                field.data = entry.amount
    if form.validate_on_submit():
        amounts = {(pair.id, direction): getattr(form, f"budget_{pair.id}_{direction.value}").data
                   for pair in call.pairs for direction in Direction}
        done = _apply(form, lambda: awards.set_budgets(_actor(), call, amounts), _("The budget is saved."),
                      url_for("manage_calls.budget", call_id=call.id))
        if done:
            return done
    return _budget_page(call, form, _rates_form(call, formdata=None))


def _rates_form(call, **kwargs) -> forms.RatesForm:
    form = forms.RatesForm(prefix="rates", **kwargs)
    if kwargs.get("formdata", True) is None:
        for name in services.DEFAULT_RATES:
            getattr(form, name).data = getattr(call, name)
        form.bands.data = forms.format_bands(call.distance_bands)
        form.per_diems.data = forms.format_per_diems(call.per_diems)
    return form


def _budget_page(call, budget_form, rates_form):
    total = sum((b.amount for b in call.budgets), Decimal("0"))
    return render_template("calls/manage/budget.html", call=call, budget_form=budget_form, rates_form=rates_form,
                           total=total)


@bp.post("/<int:call_id>/rates")
@roles_required(*OFFICE)
def rates(call_id: int):
    call = office_call(call_id)
    form = _rates_form(call)
    if form.validate_on_submit():
        def save():
            services.set_rates(_actor(), call, rates={name: getattr(form, name).data for name in services.DEFAULT_RATES},
                               bands=forms.parse_bands(form.bands.data),
                               per_diems=forms.parse_per_diems(form.per_diems.data))

        done = _apply(form, save, _("The rate table is saved."), url_for("manage_calls.budget", call_id=call.id))
        if done:
            return done
    budget_form = forms.budget_form_class(call)(prefix="budget", formdata=None)
    for entry in call.budgets:
        getattr(budget_form, f"budget_{entry.pair_id}_{entry.direction.value}").data = entry.amount
    return _budget_page(call, budget_form, form)


@bp.get("/<int:call_id>/preview/<locale>")
@roles_required(*OFFICE)
def preview(call_id: int, locale: str):
    """The public call page exactly as an applicant reading `locale` will see it."""
    call = office_call(call_id)
    if locale not in LOCALES:
        abort(404)
    with force_locale(locale):
        return render_template("calls/detail.html", **call_page_context(call), preview_locale=locale)
