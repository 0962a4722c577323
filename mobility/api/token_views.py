"""The account page where managers create, list and revoke their personal API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts.enums import Role
from mobility.api import policies, services
from mobility.api.enums import TokenScope
from mobility.api.forms import TokenForm
from mobility.api.models import ApiToken
from mobility.api.queries import revoked_tokens
from mobility.applications.forms import ConfirmForm
from mobility.core import unit_of_work
from mobility.core.access import roles_required
from mobility.extensions import db

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens", template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)


def _page(form: TokenForm, *, new_token: ApiToken | None = None, secret: str | None = None, status: int = 200):
    user = current_user._get_current_object()
    revoked = revoked_tokens(user.id)
    response = make_response(render_template(
        "api/tokens.html", form=form, tokens=services.active_tokens(user), revoked=revoked,
        new_token=new_token, secret=secret, revoke_form=ConfirmForm(formdata=None)), status)
    # The secret is on this page once: no cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("", methods=["GET", "POST"])
@roles_required(*OFFICE)
def index():
    form = TokenForm()
    if form.validate_on_submit():
        created = unit_of_work.attempt(form, services.create_token, current_user._get_current_object(),
                                       name=form.name.data, scope=TokenScope(form.scope.data),
                                       request_key=form.request_key.data)
        if not created:
            return _page(form, status=422)
        token, secret = created.value
        return _page(TokenForm(formdata=None), new_token=token, secret=secret)
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
