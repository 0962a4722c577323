"""Response headers, the CSRF error page, and request parameters without NUL characters."""
from __future__ import annotations

import hmac

from flask import Flask, current_app, jsonify, render_template, request, session
from flask.wrappers import Request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

from mobility.core.text import WtformsCatalog

# No inline script or style anywhere: every asset is a file under /static.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _token_is_ours_but_expired(token: str | None) -> bool:
    """True when the token was issued to this very session and only its age is wrong.

    Then the user really typed this form, and we may offer to send it again. A token from another
    session (a cross-site request carries none) gets the plain 400.
    """
    if not token or "csrf_token" not in session:
        return False
    secret_key = current_app.secret_key
    assert secret_key is not None  # the session it came with is signed with it
    serializer = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
    try:
        raw = serializer.loads(token)
    except BadData:
        return False
    return hmac.compare_digest(str(session["csrf_token"]), str(raw))


def wants_json() -> bool:
    """A script's request (autosave, the token renewal) that reads JSON, not a page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def handle_csrf_error(error: CSRFError):
    token = request.form.get("csrf_token")
    if wants_json():
        # The page's script renews its token (accounts.form_token) and sends the same save again.
        return jsonify(csrf=True, error=_("Not saved: the page's security token has expired. Trying again with "
                                          "a new one.")), 400
    if request.method == "POST" and _token_is_ours_but_expired(token):
        # Keep what was typed: hand the fields back in a form with a fresh token.
        # Passwords are not echoed into a page; the user types them again.
        fields = [(k, v) for k, v in request.form.items(multi=True)
                  if k != "csrf_token" and "password" not in k]
        return render_template("errors/csrf_expired.html", fields=fields, action=request.full_path.rstrip("?"),
                               fresh_token=generate_csrf()), 400
    return render_template("errors/error.html", code=400, title=_("Bad request"),
                           text=_("This form was not sent from this site or has been tampered with. "
                                  "Go back, reload the page and try again.")), 400


class _Parameters(ImmutableMultiDict):
    """Query and form parameters with NUL characters removed from names and text values: no page means one,
    and PostgreSQL refuses them in a string (a search for "\\x00" was a server error). Files pass as sent."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_no_nul(key), _no_nul(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


def _no_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class TextRequest(Request):
    parameter_storage_class = _Parameters
    wtforms_translations = WtformsCatalog()  # WTForms' messages: its catalog read once per process and locale

    def get_json(self, force=False, silent=False, cache=True):
        """JSON nested deeper than Python's parser goes ([[[[…]]]] ten thousand times) is a bad request, like
        any other JSON that cannot be read — not a RecursionError and a 500."""
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            return self.on_json_loading_failed(ValueError("the JSON is nested too deeply"))  # raises BadRequest


def init_app(app: Flask) -> None:
    app.request_class = TextRequest
    app.after_request(set_security_headers)
    app.register_error_handler(CSRFError, handle_csrf_error)
