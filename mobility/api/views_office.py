"""The programme office's API: reads with a read token, a few writes with a read-and-write token.

Every route is about one call, and token() refuses a call the token's holder does not run (403), as the
pages do (calls.office); each view then calls the same service as its page, and a DomainError becomes a 422
problem with the message on its field (core/errors.py): the request's unit of work is then rolled back, never
committed. The views never commit: the request commits once after the view has returned.
"""
from __future__ import annotations

from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint

from mobility.accounts.models import User
from mobility.accounts.services import find_user_by_email
from mobility.api import policies
from mobility.api import representations as show
from mobility.api.auth import request_token
from mobility.api.enums import TokenScope
from mobility.api.pagination import paginate
from mobility.api.parsing import Parser
from mobility.api.schemas import (
    ApplicationArgs,
    ApplicationSchema,
    GrantSchema,
    JurorImportSchema,
    JurorSchema,
    NewPaymentSchema,
    PageArgs,
    PaymentSchema,
    ReportSchema,
    ReviewSchema,
    ScreeningSchema,
    page_of,
)
from mobility.api.setup import setup_api_blueprint
from mobility.api.spec import SECURITY
from mobility.applications import services as applications
from mobility.applications.enums import ApplicationStatus, ScreeningReason
from mobility.applications.models import Application
from mobility.applications.queries import application_filters, call_applications_with_places
from mobility.awards import services as awards
from mobility.awards.models import Grant
from mobility.awards.queries import grants_with_payments, payments_of
from mobility.calls.models import Call
from mobility.calls.policies import can_run_call
from mobility.core.access import api_token
from mobility.core.errors import DomainError, problem
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.reports.queries import reports_with_grants
from mobility.review import services as review
from mobility.review.queries import jury_by_name, numbered_reviews_of_call

bp = Blueprint("api_office", __name__, url_prefix="/api/v1",
               description="The programme office's data (a personal API token is needed)")
bp.ARGUMENTS_PARSER = Parser()  # deeply nested JSON is a bad request (api/parsing.py)
setup_api_blueprint(bp)
ERRORS = {"response": "DEFAULT_ERROR"}
T = TypeVar("T")
NO_ACCOUNT = _l("No account has this e-mail address: the juror must register first.")


def token(scope: TokenScope):
    """Who may call the view (core/access.py) and what the document says about it. Every route here is about
    one call: another programme's call is refused before the request's body is read."""
    def decorate(view):
        documented = bp.doc(security=SECURITY, **{"x-token-scope": scope.value})(
            bp.alt_response("default", **ERRORS)(view))

        @wraps(documented)
        def of_own_programme(*args, **kwargs):
            call = _call_named_by(kwargs)
            if not can_run_call(current_user, call):
                abort(403)
            if not policies.token_reaches(request_token(), call.programme_id):
                abort(problem(403, _l("This token is limited to another programme: it cannot reach this call.")))
            return documented(*args, **kwargs)
        return api_token(scope.value)(of_own_programme)
    return decorate


def _call_named_by(view_args: dict) -> Call:
    """The call a route's URL is about, through whichever object it names (404 if there is none)."""
    if "call_id" in view_args:
        return db.get_or_404(Call, view_args["call_id"])
    if "application_id" in view_args:
        return db.get_or_404(Application, view_args["application_id"]).call
    return db.get_or_404(Grant, view_args["grant_id"]).application.call


def _actor() -> User:
    return current_user._get_current_object()


def _call(call_id: int) -> Call:
    """The route's call (token() has already checked that the holder runs it: no query here)."""
    return db.get_or_404(Call, call_id)


def on_item(error: DomainError, field_prefix: str, renamed: dict | None = None) -> DomainError:
    """A service's refusal about one item of the request's body, on that item's field ("jurors.1.email"),
    as the pages put it on the form's field; answered as a 422 problem like any other (core/errors.py)."""
    field = (renamed or {}).get(error.field, error.field) or "_schema"
    return DomainError(error.message, field=field_prefix + field)


def as_stored(obj: T) -> T:
    """`obj` read back as the database keeps it (amounts at their scale, instants in UTC), as a client
    reading it later gets it: the answer is built before the request's unit of work commits."""
    db.session.flush()
    db.session.refresh(obj)
    return obj


# ---- applications ----------------------------------------------------------------------------

@bp.route("/calls/<int_id:call_id>/applications")
@token(TokenScope.READ)
@bp.arguments(ApplicationArgs, location="query")
@bp.response(200, page_of(ApplicationSchema))
def call_applications_list(args, call_id: int):
    """A call's submitted applications, with the filters of the office's list"""
    call = _call(call_id)
    filters = application_filters(call, status=args.get("status"), pair=args.get("pair"),
                                  direction=args.get("direction"), discipline=args.get("discipline"),
                                  language=args.get("language"), text=args.get("q"))
    return paginate(call_applications_with_places(call.id, filters), args, show.application)


def _application(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    if application.status is ApplicationStatus.DRAFT:
        abort(404)  # drafts are the artists' own business, as in the office's list
    return application


@bp.route("/applications/<int_id:application_id>")
@token(TokenScope.READ)
@bp.response(200, ApplicationSchema)
def application_detail(application_id: int):
    """One submitted application"""
    return show.application(_application(application_id))


@bp.route("/applications/<int_id:application_id>/screening", methods=["PUT"])
@token(TokenScope.READ_WRITE)
@bp.arguments(ScreeningSchema)
@bp.response(200, ApplicationSchema)
def screening(data, application_id: int):
    """Record the screening result (eligible, or not with the reason the applicant will read)"""
    application = _application(application_id)
    applications.screen_application(
        _actor(), application, eligible=data["eligible"],
        reason=ScreeningReason(data["reason"]) if data.get("reason") else None, note=data.get("note"))
    return show.application(as_stored(application))


# ---- reviews ---------------------------------------------------------------------------------

@bp.route("/calls/<int_id:call_id>/reviews")
@token(TokenScope.READ)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(ReviewSchema))
def call_reviews(args, call_id: int):
    """Submitted reviews of a call, as the consensus page shows them (blind review and phase rules apply)"""
    call = _call(call_id)
    phase = review.active_phase(call)
    viewer = _actor()
    return paginate(numbered_reviews_of_call(call.id), args, lambda r, n: show.review(r, viewer, phase, n), rows=True)


# ---- grants and payments ---------------------------------------------------------------------

@bp.route("/calls/<int_id:call_id>/grants")
@token(TokenScope.READ)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(GrantSchema))
def call_grants(args, call_id: int):
    """A call's grants with what was paid of each instalment"""
    call = _call(call_id)
    return paginate(grants_with_payments(call.id), args, show.grant)


def _grant(grant_id: int) -> Grant:
    return db.get_or_404(Grant, grant_id)


@bp.route("/grants/<int_id:grant_id>")
@token(TokenScope.READ)
@bp.response(200, GrantSchema)
def grant_detail(grant_id: int):
    """One grant"""
    return show.grant(_grant(grant_id))


@bp.route("/grants/<int_id:grant_id>/payments")
@token(TokenScope.READ)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(PaymentSchema))
def grant_payments(args, grant_id: int):
    """Payments made on a grant"""
    grant = _grant(grant_id)
    return paginate(payments_of(grant.id), args, show.payment)


@bp.route("/grants/<int_id:grant_id>/payments", methods=["POST"])
@token(TokenScope.READ_WRITE)
@bp.arguments(NewPaymentSchema)
@bp.response(201, PaymentSchema)
@bp.alt_response(200, schema=PaymentSchema, description="The same payment was recorded before: that one")
def record_payment(data, grant_id: int):
    """Record a payment of an instalment (the same checks as the grant page: due, never more than the grant
    minus what was paid). A bank reference is recorded once per grant, whatever its spacing, case or width:
    the same payment sent again gets the one already recorded (200, same id); the same reference with another
    amount, instalment or date is refused (409)"""
    grant = _grant(grant_id)
    recorded = awards.record_payment_once(_actor(), grant, instalment=data["instalment"], amount=data["amount"],
                                          reference=data["reference"], paid_on=data["paid_on"])
    return show.payment(as_stored(recorded.payment)), 201 if recorded.new else 200


# ---- reports ---------------------------------------------------------------------------------

@bp.route("/calls/<int_id:call_id>/reports")
@token(TokenScope.READ)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(ReportSchema))
def call_reports(args, call_id: int):
    """Final reports of a call's grants"""
    call = _call(call_id)
    return paginate(reports_with_grants(call.id), args, show.report)


# ---- the jury --------------------------------------------------------------------------------

@bp.route("/calls/<int_id:call_id>/jurors")
@token(TokenScope.READ)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(JurorSchema))
def call_jurors(args, call_id: int):
    """A call's jury pool"""
    call = _call(call_id)
    return paginate(jury_by_name(call.id), args, show.juror)


@bp.route("/calls/<int_id:call_id>/jurors", methods=["POST"])
@token(TokenScope.READ_WRITE)
@bp.arguments(JurorImportSchema)
@bp.response(200, JurorSchema(many=True))
def import_jurors(data, call_id: int):
    """Add jurors (by e-mail address) to a call's pool, all or none; a juror already there gets the new load"""
    call = _call(call_id)
    entries = []
    for index, item in enumerate(data["jurors"]):
        person = find_user_by_email(item["email"])
        try:
            if person is None:
                raise DomainError(NO_ACCOUNT, field="email")
            entries.append(review.add_juror(_actor(), call, person, item["max_load"]))
        except DomainError as error:
            raise on_item(error, f"jurors.{index}.", renamed={"user_id": "email"}) from error
    return [show.juror(as_stored(e)) for e in entries]
