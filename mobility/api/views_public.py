"""Public reads: cities, pairs, open calls and the open data of funded exchanges. No token needed."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint

from mobility.accounts.enums import Discipline
from mobility.api import representations as show
from mobility.api.pagination import paginate, paginate_list
from mobility.api.schemas import (
    CallArgs,
    CallSchema,
    CitySchema,
    ExchangeCellSchema,
    PageArgs,
    PairFilterArgs,
    PairSchema,
    page_of,
)
from mobility.api.setup import setup_api_blueprint
from mobility.calls import policies as call_policies
from mobility.calls.enums import CallKind
from mobility.calls.models import Call
from mobility.calls.queries import open_calls
from mobility.cities.models import CityPair
from mobility.cities.queries import listed_cities, pairs_by_id
from mobility.core.access import public
from mobility.db import utcnow
from mobility.extensions import db
from mobility.reports import open_data

bp = Blueprint("api_public", __name__, url_prefix="/api/v1", description="Public reads, without a token")
setup_api_blueprint(bp)
ERRORS = {"response": "DEFAULT_ERROR"}


@bp.route("/cities")
@public
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(CitySchema))
@bp.alt_response("default", **ERRORS)
def cities(args):
    """The culture cities (names in the language of Accept-Language)"""
    return paginate(listed_cities(), args, show.city)


@bp.route("/pairs")
@public
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(PairSchema))
@bp.alt_response("default", **ERRORS)
def pairs(args):
    """City pairs (a European Capital of Culture and a Culture City of East Asia)"""
    return paginate(pairs_by_id(), args, show.pair)


@bp.route("/pairs/<int_id:pair_id>")
@public
@bp.response(200, PairSchema)
@bp.alt_response("default", **ERRORS)
def pair(pair_id: int):
    """One city pair"""
    return show.pair(db.get_or_404(CityPair, pair_id))


@bp.route("/calls")
@public
@bp.arguments(CallArgs, location="query")
@bp.response(200, page_of(CallSchema))
@bp.alt_response("default", **ERRORS)
def calls(args):
    """Open calls (published, deadline not passed), soonest deadline first — as on the public calls page"""
    stmt = open_calls(utcnow(), pair_id=args.get("pair"), kind=CallKind(args["kind"]) if "kind" in args else None,
                      discipline=Discipline(args["discipline"]) if "discipline" in args else None)
    return paginate(stmt, args, show.call)


@bp.route("/calls/<int_id:call_id>")
@public
@bp.response(200, CallSchema)
@bp.alt_response("default", **ERRORS)
def call(call_id: int):
    """One call, if the public may see it (drafts do not exist for the public)"""
    found = db.get_or_404(Call, call_id)
    if not call_policies.can_view_call(current_user, found):
        abort(404)
    return show.call(found)


@bp.route("/open-data/exchanges")
@public
@bp.arguments(PairFilterArgs, location="query")
@bp.response(200, page_of(ExchangeCellSchema))
@bp.alt_response("default", **ERRORS)
def exchanges(args):
    """Funded exchanges as open data, CC BY 4.0: the cells of /open-data/exchanges.csv (grants per pair,
    direction, discipline and year; a cell of fewer than 5 grants is suppressed). No row points to one person."""
    licence = f'<{open_data.LICENCE["path"]}>; rel="license"'
    return paginate_list(open_data.cells(args.get("pair")), args), 200, {"Link": licence}
