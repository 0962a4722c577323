"""Grants: the grantee's page (breakdown, agreement, instalments, amendments) and the office's pages."""
from __future__ import annotations

import base64
import hashlib
import io
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts.enums import Role
from mobility.applications.forms import ConfirmForm
from mobility.applications.models import Application
from mobility.awards import feedback, policies, redress, services, versions
from mobility.awards.enums import LINE_TITLES, GrantStatus, RedressStatus
from mobility.awards.forms import (
    AcceptForm,
    AmendmentForm,
    DeclineForm,
    ExchangeRateForm,
    PaymentForm,
    ReconsiderForm,
    RedressDecisionForm,
    RedressForm,
)
from mobility.awards.models import Grant, GrantAmendment, RedressRequest
from mobility.awards.queries import (
    exchange_rates_newest_first,
    grants_of_call,
    letters_waiting,
    notice_of,
    notice_window_of_call,
    pending_amendments,
    redress_requests_of_call,
    request_of,
    version_of,
    versions_of,
)
from mobility.calls.models import Call
from mobility.calls.office import office_call, require_running
from mobility.core import unit_of_work
from mobility.core.access import roles_required, signed_in
from mobility.core.errors import DomainConflict
from mobility.core.paging import MAX_INT
from mobility.extensions import db
from mobility.review.enums import Decision
from mobility.review.models import PanelDecision

bp = Blueprint("awards", __name__, template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)


def _user():
    return current_user._get_current_object()


def _grant(grant_id: int) -> Grant:
    grant = db.session.get(Grant, grant_id)
    if grant is None or not policies.can_view_grant(current_user, grant):
        abort(404)
    return grant


def _grant_page(grant: Grant, status: int = 200, **forms):
    application = grant.application
    country = application.origin_city.country if application.origin_city else None
    all_versions = versions_of(grant.id)
    accept_form = forms.get("accept_form") or AcceptForm(formdata=None)
    if all_versions and accept_form.version.data is None:
        accept_form.version.data = all_versions[-1].number
    return render_template(
        "awards/grant.html", grant=grant, application=application, call=application.call,
        line_titles=LINE_TITLES, money=services.money_of(grant),
        indicative=services.indicative(grant.amount, country), is_grantee=policies.is_grantee(current_user, grant),
        can_manage=policies.can_manage_grants(current_user, application.call),
        accept_form=accept_form, versions=all_versions, awaiting=versions.awaiting_acceptance(grant),
        amendment_form=forms.get("amendment_form") or _amendment_form(grant),
        payment_form=forms.get("payment_form") or PaymentForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None)), status


def _amendment_form(grant: Grant) -> AmendmentForm:
    form = AmendmentForm(formdata=None)
    form.start_date.data, form.end_date.data = grant.start_date, grant.end_date
    lead = grant.travellers[0] if grant.travellers else {}
    form.green_travel.data, form.visa.data = lead.get("green_travel"), lead.get("visa")
    form.children.data, form.accessibility_days.data = lead.get("children", 0), lead.get("accessibility_days", 0)
    form.accessibility_costs.data = Decimal(str(lead.get("accessibility_costs", "0")))
    return form


@bp.get("/grants/<int:grant_id>")
@signed_in
def grant_page(grant_id: int):
    return _grant_page(_grant(grant_id))


@bp.post("/grants/<int:grant_id>/accept")
@signed_in
def accept(grant_id: int):
    grant = _grant(grant_id)
    if not policies.is_grantee(current_user, grant):
        abort(403)
    form = AcceptForm()
    first = grant.accepted_at is None
    if form.validate_on_submit() and unit_of_work.attempt(form, services.accept_grant, _user(), grant,
                                                          name=form.name.data, version=form.version.data):
        if first:
            flash(_("Thank you: the agreement is accepted. The first instalment is now due."), "success")
        else:
            flash(_("Thank you: version %(number)s of the agreement is accepted.", number=form.version.data or ""),
                  "success")
        return redirect(url_for("awards.grant_page", grant_id=grant_id))
    return _grant_page(db.session.get_one(Grant, grant_id), 422, accept_form=form)


@bp.route("/grants/<int:grant_id>/decline", methods=["GET", "POST"])
@signed_in
def decline(grant_id: int):
    """A page that says what declining means (it cannot be undone), then the decline."""
    grant = _grant(grant_id)
    if not policies.is_grantee(current_user, grant):
        abort(403)
    form = DeclineForm()
    if request.method == "GET":
        if grant.status is not GrantStatus.OFFERED:
            return redirect(url_for("awards.grant_page", grant_id=grant_id))
        return render_template("awards/decline.html", grant=grant, form=form)
    if not form.validate_on_submit():
        abort(400)
    if unit_of_work.attempt(None, services.decline_grant, _user(), grant):
        flash(_("You have declined the grant."), "success")
    return redirect(url_for("awards.grant_page", grant_id=grant_id))


def _pdf_response(grant: Grant, version):
    pdf = versions.pdf_of(version, grant.application.applicant.locale)
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=f"agreement-{grant.application.reference}-v{version.number}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    # RFC 9530: the digest of the bytes sent (for an accepted version, the digest kept at acceptance).
    response.headers["Repr-Digest"] = "sha-256=:" + base64.b64encode(hashlib.sha256(pdf).digest()).decode() + ":"
    return response


@bp.get("/grants/<int:grant_id>/agreement.pdf")
@signed_in
def agreement(grant_id: int):
    """The version in force or waiting for acceptance."""
    grant = _grant(grant_id)
    return _pdf_response(grant, versions.current_version(grant) or versions.unversioned(grant))


@bp.get("/grants/<int:grant_id>/agreement/<int:number>.pdf")
@signed_in
def agreement_version(grant_id: int, number: int):
    """One version as it was: an accepted one is the very bytes kept when it was accepted."""
    grant = _grant(grant_id)
    version = version_of(grant.id, number) if number < 2**31 else None
    if version is None:
        abort(404)
    return _pdf_response(grant, version)


@bp.post("/grants/<int:grant_id>/amendments")
@signed_in
def amend(grant_id: int):
    grant = _grant(grant_id)
    if not policies.is_grantee(current_user, grant):
        abort(403)
    form = AmendmentForm()
    if form.validate_on_submit():
        lead = {**(grant.travellers[0] if grant.travellers else {"name": grant.application.applicant.name}),
                "green_travel": form.green_travel.data, "visa": form.visa.data, "children": form.children.data or 0,
                "accessibility_days": form.accessibility_days.data or 0,
                "accessibility_costs": str(form.accessibility_costs.data or 0)}
        if unit_of_work.attempt(form, services.request_amendment, _user(), grant, start=form.start_date.data,
                                end=form.end_date.data, travellers=[lead] + list(grant.travellers[1:]),
                                reason=form.reason.data or ""):
            flash(_("Your request is sent to the programme office."), "success")
            return redirect(url_for("awards.grant_page", grant_id=grant_id))
    return _grant_page(db.session.get_one(Grant, grant_id), 422, amendment_form=form)


# ---- the office -----------------------------------------------------------------------------

@bp.get("/manage/calls/<int:call_id>/grants")
@roles_required(*OFFICE)
def call_grants(call_id: int):
    call = office_call(call_id)
    grants = grants_of_call(call.id)
    waiting = services.next_on_waiting_lists(call)
    pending = pending_amendments(call.id)
    return render_template("awards/manage_grants.html", call=call, grants=grants, lines=services.budget_lines(call),
                           money={g.id: services.money_of(g) for g in grants},
                           waiting=waiting, offer_amounts={a.id: services.offer_amount(a) for a in waiting.values()},
                           pending=pending, form=ConfirmForm(formdata=None),
                           letters_waiting=letters_waiting(call.id),
                           pairs={p.id: p for p in call.pairs})


@bp.post("/manage/calls/<int:call_id>/letters")
@roles_required(*OFFICE)
def letters(call_id: int):
    call = office_call(call_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if sent := unit_of_work.attempt(None, services.send_decision_letters, _user(), call):
        flash(_("%(n)s decision letters sent.", n=sent.value), "success")
    return redirect(url_for("awards.call_grants", call_id=call_id))


@bp.post("/manage/applications/<int:application_id>/promote")
@roles_required(*OFFICE)
def promote(application_id: int):
    application = db.get_or_404(Application, application_id)
    require_running(application.call)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # Sent twice (a double click), the second gets the grant the first offered.
    if unit_of_work.attempt(None, services.promote_from_waiting_list, _user(), application):
        flash(_("The grant is offered to %(reference)s.", reference=application.reference), "success")
    return redirect(url_for("awards.call_grants", call_id=application.call_id))


@bp.post("/manage/grants/<int:grant_id>/payments")
@roles_required(*OFFICE)
def payment(grant_id: int):
    grant = _grant(grant_id)
    require_running(grant.application.call)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _grant_page(db.session.get_one(Grant, grant_id), 422, payment_form=form)
    done = unit_of_work.attempt(form, services.record_payment_once, _user(), grant, instalment=form.instalment.data,
                                amount=form.amount.data, reference=form.reference.data, paid_on=form.paid_on.data)
    if not done:
        return _grant_page(db.session.get_one(Grant, grant_id),
                           409 if isinstance(done.error, DomainConflict) else 422, payment_form=form)
    if done.value.new:
        flash(_("The payment is recorded."), "success")
    else:  # sent twice (a double click, the page sent again): the first one stands
        flash(_("This payment was already recorded (reference %(reference)s).",
                reference=done.value.payment.reference), "info")
    return redirect(url_for("awards.grant_page", grant_id=grant_id))


@bp.post("/manage/amendments/<int:amendment_id>/<decision>")
@roles_required(*OFFICE)
def decide_amendment(amendment_id: int, decision: str):
    amendment = db.get_or_404(GrantAmendment, amendment_id)
    require_running(amendment.grant.application.call)
    if decision not in ("approve", "refuse") or not ConfirmForm().validate_on_submit():
        abort(400)
    if unit_of_work.attempt(None, services.decide_amendment, _user(), amendment, decision == "approve"):
        flash(_("The amendment is decided."), "success")
    return redirect(url_for("awards.call_grants", call_id=amendment.grant.call_id))


@bp.route("/manage/exchange-rates", methods=["GET", "POST"])
@roles_required(*OFFICE)
def exchange_rates():
    form = ExchangeRateForm()
    if form.validate_on_submit() and unit_of_work.attempt(
            form, services.add_exchange_rate, _user(), currency=form.currency.data, rate=form.rate.data,
            valid_from=form.valid_from.data):
        flash(_("The rate is saved."), "success")
        return redirect(url_for("awards.exchange_rates"))
    return render_template("awards/exchange_rates.html", form=form, rates=exchange_rates_newest_first())


# ---- the evaluation summary and requests for review -----------------------------------------------------

def _evaluated(application_id: int) -> Application:
    """The application whose evaluation the user may read: 404 when it does not exist, 403 for anyone else
    (another applicant, a juror, the manager of another programme)."""
    application = db.session.get(Application, application_id) if application_id <= MAX_INT else None
    if application is None:
        abort(404)
    if not policies.can_read_evaluation(current_user, application):
        abort(403)
    return application


def _redress_page(application: Application, form: RedressForm | None = None, status: int = 200):
    notice = notice_of(application)
    request_made = request_of(application)
    may_ask = policies.can_request_redress(current_user, application) and request_made is None \
        and redress.window_open(notice)
    return render_template("awards/redress.html", application=application, call=application.call, notice=notice,
                           summary=feedback.summary_of(application) if notice else None, request_made=request_made,
                           grant=services.grant_of(application) if request_made and request_made.reconsidered_at
                           else None,
                           # A refused request shows its form again, with the reason typed and the refusal.
                           form=form if form is not None else (RedressForm(formdata=None) if may_ask else None)), status


@bp.get("/applications/<int:application_id>/redress")
@signed_in
def redress_page(application_id: int):
    """The evaluation summary, the window for a request for review, the request and its answer."""
    return _redress_page(_evaluated(application_id))


@bp.post("/applications/<int:application_id>/redress")
@signed_in
def request_redress(application_id: int):
    application = _evaluated(application_id)
    if not policies.can_request_redress(current_user, application):
        abort(403)
    form = RedressForm()
    if form.validate_on_submit() and unit_of_work.attempt(form, redress.request_redress, _user(), application,
                                                          form.reason.data or ""):
        flash(_("Your request for review is sent to the programme office."), "success")
        return redirect(url_for("awards.redress_page", application_id=application_id))
    return _redress_page(db.session.get_one(Application, application_id), form, 422)


def _call_redress_page(call, forms: dict | None = None, status: int = 200, reconsider_forms: dict | None = None):
    requests = redress_requests_of_call(call.id)
    count, first_sent, last_day = notice_window_of_call(call.id)
    forms, reconsider_forms = forms or {}, reconsider_forms or {}
    return render_template("awards/manage_redress.html", call=call, requests=requests, letters=count,
                           first_sent=first_sent, last_day=last_day,
                           forms={r.id: forms.get(r.id) or RedressDecisionForm(formdata=None, prefix=f"r{r.id}")
                                  for r in requests if r.status is RedressStatus.PENDING},
                           # An upheld request: the new decision, until it is recorded.
                           reconsider_forms={r.id: reconsider_forms.get(r.id)
                                             or ReconsiderForm(formdata=None, prefix=f"c{r.id}")
                                             for r in requests if r.status is RedressStatus.UPHELD},
                           decisions={r.application_id: db.session.get(PanelDecision, r.application_id)
                                      for r in requests}), status


@bp.get("/manage/calls/<int:call_id>/redress")
@roles_required(*OFFICE)
def call_redress(call_id: int):
    """The office's list: the window, every request for review and its outcome."""
    return _call_redress_page(office_call(call_id))


def _redress_request(request_id: int) -> tuple[RedressRequest, Call]:
    """The request and its call, which the signed-in office must run (404, 403 otherwise; the route's int
    converter already answers 404 for ids past the column's range)."""
    found = db.get_or_404(RedressRequest, request_id)
    return found, require_running(found.application.call)


@bp.post("/manage/redress/<int:request_id>")
@roles_required(*OFFICE)
def decide_redress(request_id: int):
    found, call = _redress_request(request_id)
    form = RedressDecisionForm(prefix=f"r{found.id}")
    if form.validate_on_submit() and unit_of_work.attempt(form, redress.decide_redress, _user(), found,
                                                          upheld=form.outcome.data == "upheld",
                                                          reason=form.reason.data or ""):
        flash(_("The decision on the request is recorded and sent to the applicant."), "success")
        return redirect(url_for("awards.call_redress", call_id=call.id))
    return _call_redress_page(db.session.get_one(type(call), call.id), {request_id: form}, 422)


@bp.post("/manage/redress/<int:request_id>/reconsider")
@roles_required(*OFFICE)
def reconsider(request_id: int):
    """The office's reconsidered decision on the application of an upheld request (once)."""
    found, call = _redress_request(request_id)
    form = ReconsiderForm(prefix=f"c{found.id}")
    # The form is on the page only while the request is upheld: a refusal of a request not (or no longer)
    # upheld, sent from a page left open, is flashed instead.
    shown = form if found.status is RedressStatus.UPHELD else None
    if form.validate_on_submit() and unit_of_work.attempt(shown, redress.reconsider, _user(), found,
                                                          Decision(form.decision.data), form.reason.data or ""):
        flash(_("The reconsidered decision is recorded and sent to the applicant."), "success")
        return redirect(url_for("awards.call_redress", call_id=call.id, _anchor=f"request-{request_id}"))
    return _call_redress_page(db.session.get_one(type(call), call.id), status=422,
                              reconsider_forms={request_id: form})
