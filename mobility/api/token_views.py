"""The account page where managers create, list and revoke their personal API tokens."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts.enums import Role
from mobility.accounts.queries import runnable_programmes
from mobility.api import policies, services
from mobility.api.enums import TokenScope
from mobility.api.forms import TokenForm
from mobility.api.models import ApiToken
from mobility.api.queries import revoked_tokens
from mobility.applications.forms import ConfirmForm
from mobility.core import unit_of_work
from mobility.core.access import roles_required
from mobility.core.paging import id_or_none
from mobility.db import utcnow
from mobility.extensions import db
from mobility.i18n.locales import today_for

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens", template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)


def _form(**kwargs) -> TokenForm:
    user = current_user._get_current_object()
    form = TokenForm(**kwargs)
    form.programme.choices = [("", _("All the programmes I run"))] + [(str(p.id), p.name)
                                                                    for p in runnable_programmes(user)]
    if request.method == "GET" or kwargs.get("formdata", True) is None:
        form.expires_on.data = services.default_expiry_date(user)
    form.expires_on.render_kw = {"min": (today_for(user) + timedelta(days=1)).isoformat(),
                                 "max": services.latest_expiry_date(user).isoformat()}
    return form


def _page(form: TokenForm, *, new_token: ApiToken | None = None, secret: str | None = None, status: int = 200):
    user = current_user._get_current_object()
    revoked = revoked_tokens(user.id)
    response = make_response(render_template(
        "api/tokens.html", form=form, tokens=services.active_tokens(user), revoked=revoked,
        new_token=new_token, secret=secret, revoke_form=ConfirmForm(formdata=None), now=utcnow(),
        soon=utcnow() + services.EXPIRY_NOTICE), status)
    # The secret is on this page once: no cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("", methods=["GET", "POST"])
@roles_required(*OFFICE)
def index():
    form = _form()
    if form.validate_on_submit():
        programme = form.programme.data or ""
        programme_id = id_or_none(programme) if programme else None
        if programme and programme_id is None:
            form.programme.errors = [_("Choose one of the programmes you run.")]
            return _page(form, status=422)
        created = unit_of_work.attempt(form, services.create_token, current_user._get_current_object(),
                                       name=form.name.data, scope=TokenScope(form.scope.data),
                                       request_key=form.request_key.data, expires_on=form.expires_on.data,
                                       programme_id=programme_id)
        if not created:
            return _page(form, status=422)
        token, secret = created.value
        return _page(_form(formdata=None), new_token=token, secret=secret)
    return _page(form, status=422 if form.errors else 200)


@bp.post("/<int:token_id>/revoke")
@roles_required(*OFFICE)
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if not policies.can_revoke_token(current_user, token):
        abort(404)  # someone else's token does not exist for you
    if ConfirmForm().validate_on_submit():
        services.revoke_token(current_user._get_current_object(), token)
        flash(_("The token %(name)s is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
