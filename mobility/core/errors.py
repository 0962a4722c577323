"""Domain errors and the translated error pages."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException

from mobility.extensions import db


class DomainError(Exception):
    """A rule of the domain refused an action. `field` names the form field it concerns, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


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


def render_error(code: int):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register_error_handlers(app: Flask) -> None:
    def handle_http(exc: HTTPException):
        code = exc.code or 500
        if code in ERROR_TEXTS:
            response = render_error(code)
            if code == 405 and exc.valid_methods:
                return response[0], code, {"Allow": ", ".join(exc.valid_methods)}
            return response
        return exc

    def handle_500(exc):
        # The request's work is abandoned as a whole: nothing half-done reaches the database.
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=getattr(exc, "original_exception", exc))
        return render_error(500)

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(500, handle_500)
