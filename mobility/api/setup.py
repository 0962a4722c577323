"""What every API blueprint shares (rate limit, no CSRF token, no cookie, the id converter)."""
from __future__ import annotations

from flask import Blueprint, current_app
from werkzeug.routing import IntegerConverter

from mobility.api import auth
from mobility.api.schemas import MAX_ID
from mobility.extensions import csrf, limiter


class IdConverter(IntegerConverter):
    """`<int_id:x>`: a database id (1 … 2**31 − 1). A larger number is a 404, not an overflow in SQL."""

    def __init__(self, map, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def id_parameter_schema(_converter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def setup_api_blueprint(bp: Blueprint) -> None:
    # The API takes no cookie (auth.py): a CSRF token would protect nothing, and clients have none.
    csrf.exempt(bp)
    bp.before_request(auth.anonymise_public_requests)
    # One allowance per token (or per address without one), shared by every API route.
    limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api",
                         key_func=auth.rate_limit_key)(bp)
