"""The language switch on every page."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session
from flask_login import current_user

from mobility.core.access import public
from mobility.core.redirects import safe_next_url
from mobility.i18n.locales import LOCALES, SESSION_KEY

bp = Blueprint("i18n", __name__)


@bp.post("/language")
@public
def switch_language():
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400)
    session[SESSION_KEY] = locale
    if current_user.is_authenticated:
        # A signed-in user's saved preference wins over the switch, so the switch updates it.
        from mobility.accounts.services import set_locale

        set_locale(current_user, locale)
    return redirect(safe_next_url(request.form.get("next")))
