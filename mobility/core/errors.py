"""Domain errors, the translated error pages and their JSON API form (RFC 9457 problem details)."""
from __future__ import annotations

from collections.abc import Callable

from flask import (
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_wtf import FlaskForm
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from mobility.core.redirects import same_site_referrer
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db


class DomainError(Exception):
    """A rule of the domain refused an action. `field` names the form field it concerns, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class DomainConflict(DomainError):
    """Refused because of what is already stored (the same bank reference recorded for another transfer):
    the API answers 409, a page shows it on the field like any refusal."""

    status = 409


FAILED_MARK = "mobility_unit_failed"


def abandon_request() -> None:
    """The request ended in an error: its unit of work is rolled back, never committed
    (mobility/core/unit_of_work.py reads the mark)."""
    if has_request_context():
        setattr(g, FAILED_MARK, True)
    db.session.rollback()


def put_on_form(form: FlaskForm, error: DomainError) -> None:
    """Show a domain error on its field, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)] if isinstance(field.errors, list) else [
            str(error.message)
        ]
    else:
        form.form_errors.append(str(error.message))


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    401: (_l("Please sign in"), _l("You need to sign in to see this page.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    409: (_l("Conflict"), _l("Someone else changed this in the meantime. Reload the page and try again.")),
    413: (_l("File too large"), _l("What you sent is larger than the limit. Please send a smaller file.")),
    429: (_l("Too many attempts"), _l("Too many requests in a short time. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened. Nothing was saved from the last step; please try again. The team has been told.")),
    503: (_l("Back in a moment"), _l("The system cannot reach its database just now. Nothing was saved from the last step; what you typed is still in the page you came from.")),
}
# A part the app needs (PostgreSQL, Redis) cannot be reached: a 503 the browser may retry, not a 500.
UNAVAILABLE = (OperationalError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"

# Titles of problems answered by the JSON API (a page's title would speak of pages and signing in).
PROBLEM_TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Access denied"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid request"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
PROBLEM_DETAILS = {
    401: _l("Send a live personal API token in the Authorization header, with the Bearer scheme."),
    404: _l("Nothing exists at this address."),
    422: _l("Some values are not valid: see the errors given for each field."),
    429: _l("Too many requests in a short time. Wait a moment and try again."),
    500: _l("An unexpected error happened. Nothing was saved; please try again. The team has been told."),
    503: _l("The service cannot reach its database just now. Nothing was saved; try again in a moment."),
}


def is_api_request() -> bool:
    return has_request_context() and request.path.startswith(API_PREFIX)


def problem(status: int, detail=None, *, errors: dict | None = None, headers: dict | None = None):
    """An `application/problem+json` response whose title (and detail) speak the negotiated language."""
    body = {"type": "about:blank", "title": str(PROBLEM_TITLES.get(status, PROBLEM_TITLES[500])),
            "status": status}
    detail = detail if detail is not None else PROBLEM_DETAILS.get(status)
    if detail is not None:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    response.headers["Content-Language"] = str(get_locale() or "en").replace("_", "-")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_errors(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors as {"jurors.0.email": ["…"]}, the form a DomainError's field takes."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_errors(value, name + "."))
        else:
            flat[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat


def _problem_for(exc: HTTPException):
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors")
    if errors is None and isinstance(data.get("messages"), dict):
        # webargs: {"json": {...}} or {"query": {...}}; where the value came from is in the document.
        errors = {}
        for by_location in data["messages"].values():
            errors.update(flatten_errors(by_location) if isinstance(by_location, dict) else {})
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return problem(code if code in PROBLEM_TITLES else 500, data.get("detail"), errors=errors, headers=headers)


def render_error(code: int):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    try:
        return render_template("errors/error.html", code=code, title=title, text=text), code
    except Exception:  # noqa: BLE001 - the page itself needs what failed (the database, Redis, the user)
        current_app.logger.exception("the error page could not be rendered; the standalone page is sent")
        return standalone_error(code)


BROWSER_LOCALE = "mobility.browser_locale"  # app.extensions: the reader's language from their browser alone


def standalone_error(code: int, retry_after: int | None = None):
    """The error page with nothing behind it: no database, no Redis, no signed-in user, no context processor
    (each may be what failed). Its language is the browser's (Accept-Language), the only one known."""
    browser_locale = current_app.extensions.get(BROWSER_LOCALE)
    locale = (browser_locale() if browser_locale and has_request_context() else None) or "en"
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    with force_locale(locale):
        body = current_app.jinja_env.get_template("errors/standalone.html").render(
            code=code, title=str(title), text=str(text), retry_after=retry_after,
            html_lang={"zh_Hans": "zh-Hans"}.get(locale, locale),
            again=request.full_path.rstrip("?") if has_request_context() and request.method == "GET" else "/")
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Language": locale.replace("_", "-"),
               "Cache-Control": "no-store"}
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return body, code, headers


def register_error_handlers(app: Flask, browser_locale: Callable[[], str | None]) -> None:
    """`browser_locale()` gives the UI locale the request's Accept-Language asks for (i18n knows them)."""
    app.extensions[BROWSER_LOCALE] = browser_locale

    def handle_http(exc: HTTPException):
        abandon_request()
        if is_api_request():
            return _problem_for(exc)
        code = exc.code or 500
        if code in ERROR_TEXTS:
            response = render_error(code)
            if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
                return response[0], code, {"Allow": ", ".join(exc.valid_methods)}
            return response
        return exc

    def handle_500(exc):
        # The request's work is abandoned as a whole: nothing half-done reaches the database.
        abandon_request()
        app.logger.exception("unhandled error", exc_info=getattr(exc, "original_exception", exc))
        if is_api_request():
            return problem(500)
        return render_error(500)

    def handle_unavailable(exc: Exception):
        """The database or Redis cannot be reached: 503 with Retry-After, on a page that needs neither."""
        if isinstance(exc, DBAPIError) and not exc.connection_invalidated and not _is_unreachable(exc):
            return handle_500(exc)  # an error in a statement, not an outage
        try:
            abandon_request()
        except Exception:  # noqa: BLE001 - rolling back needs the connection that is gone
            pass
        app.logger.error("unavailable: %s", exc)
        if is_api_request():
            return problem(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        return standalone_error(503, retry_after=RETRY_AFTER_SECONDS)

    def handle_domain_error(error: DomainError):
        """A rule of the domain refused what no view expected to be refused: said where the person is."""
        abandon_request()
        if is_api_request():
            return problem(409 if isinstance(error, DomainConflict) else 422, error.message,
                           errors={error.field or "_schema": [str(error.message)]})
        flash(str(error.message), "error")
        return redirect(same_site_referrer() or url_for("home.index"))

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(500, handle_500)
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, handle_unavailable)


def _is_unreachable(exc: DBAPIError) -> bool:
    """A connection that could not be made or was lost (psycopg's OperationalError, SQLite's "unable to open")."""
    text = str(exc.orig).lower()
    return any(sign in text for sign in ("connection", "connect", "server closed", "terminating", "unable to open",
                                         "could not receive", "could not send", "timeout"))
