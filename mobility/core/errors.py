"""Domain errors, the translated error pages and their JSON API form (RFC 9457 problem details)."""
from __future__ import annotations

from flask import Flask, flash, g, has_request_context, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf import FlaskForm
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
}


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
}
PROBLEM_DETAILS = {
    401: _l("Send a live personal API token in the Authorization header, with the Bearer scheme."),
    404: _l("Nothing exists at this address."),
    422: _l("Some values are not valid: see the errors given for each field."),
    429: _l("Too many requests in a short time. Wait a moment and try again."),
    500: _l("An unexpected error happened. Nothing was saved; please try again. The team has been told."),
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
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register_error_handlers(app: Flask) -> None:
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

    def handle_domain_error(error: DomainError):
        """A rule of the domain refused what no view expected to be refused: said where the person is."""
        abandon_request()
        if is_api_request():
            return problem(422, error.message, errors={error.field or "_schema": [str(error.message)]})
        flash(str(error.message), "error")
        return redirect(same_site_referrer() or url_for("home.index"))

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(500, handle_500)
