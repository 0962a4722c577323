"""Bearer-token authentication for the JSON API.

The API never reads the session cookie: a browser that is signed in is anonymous here, so a
cross-site page cannot make it act through the API (that is why the API is exempt from CSRF
tokens: the only credential it accepts is a header another site cannot set).
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_login import AnonymousUserMixin

from mobility.api import policies, services
from mobility.api.enums import TokenScope
from mobility.client import client_ip
from mobility.core.access import register_token_check
from mobility.core.errors import problem
from mobility.core.text import lazy_gettext as _l

_UNSET = object()


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def request_token():
    """The live token this request presents (looked up once per request), or None."""
    # Kept on the request itself: `g` lives as long as the app context, which a test client may share.
    token = getattr(request, "_api_token", _UNSET)
    if token is _UNSET:
        secret = bearer_secret()
        token = services.find_token(secret) if secret else None
        request._api_token = token
    return token


def rate_limit_key() -> str:
    """Each token has its own allowance; requests without a valid token share their address's."""
    token = request_token()
    return f"api-token:{token.id}" if token is not None else f"api-ip:{client_ip()}"


def _act_as(user) -> None:
    # Flask-Login reads the current user from g: this request (only) runs as `user`, and the
    # cookie's user loader is never called.
    g._login_user = user
    setattr(request, "_api_user", user if user.is_authenticated else None)  # read back with getattr


def check_token(scope: str):
    """The access check of `@api_token(scope)` views: 401 without a live token, 403 when it cannot do this."""
    token = request_token()
    if token is None:
        _act_as(AnonymousUserMixin())
        return problem(401, headers={"WWW-Authenticate": 'Bearer realm="mobility"'})
    if token.expired:
        _act_as(AnonymousUserMixin())
        return problem(401, _l("This token expired on %(date)s (UTC). Its holder can create a new one on their API "
                               "tokens page.", date=token.expires_at.strftime("%Y-%m-%d %H:%M")),
                       headers={"WWW-Authenticate": 'Bearer realm="mobility", error="invalid_token", '
                                                    'error_description="The token expired"'})
    _act_as(token.user)
    if not policies.token_allows(token, TokenScope(scope)):
        detail = (_l("This token may only read. Create a read and write token for this request.")
                  if policies.can_hold_api_tokens(token.user) and token.user.is_active
                  else _l("The holder of this token is no longer a programme manager or administrator."))
        return problem(403, detail)
    services.mark_used(token)
    return None


def anonymise_public_requests() -> None:
    """before_request of the API blueprints: public reads run as nobody, whatever cookie came along."""
    if getattr(request, "_api_user", None) is None:
        _act_as(AnonymousUserMixin())


def init_app(app: Flask) -> None:
    register_token_check(app, check_token)
