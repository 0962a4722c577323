"""What every API blueprint shares (rate limit, no CSRF token, no cookie), and binding the API to an app."""
from __future__ import annotations

from flask import Blueprint, Flask, current_app

from mobility.api import auth
from mobility.extensions import csrf, limiter


def setup_api_blueprint(bp: Blueprint) -> None:
    # The API takes no cookie (auth.py): a CSRF token would protect nothing, and clients have none.
    csrf.exempt(bp)
    bp.before_request(auth.anonymise_public_requests)
    # One allowance per token (or per address without one), shared by every API route.
    limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api",
                         key_func=auth.rate_limit_key)(bp)


def init_app(app: Flask) -> None:
    from mobility.api import spec, views_office, views_public

    auth.init_app(app)
    spec.init_app(app, [views_public.bp, views_office.bp])
