"""A person's own data: the download, and erasure of the account (a page that says what goes and what stays)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts import services as accounts
from mobility.core import unit_of_work
from mobility.core.access import signed_in
from mobility.privacy import services
from mobility.privacy.forms import EraseForm

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.get("/account/data")
@signed_in
def data_page():
    return render_template("privacy/data.html")


def _erase_page(form: EraseForm, status: int = 200):
    user = current_user._get_current_object()
    return render_template("privacy/erase.html", form=form, kept=services.retained_applications(user),
                           reviews_written=services.reviews_written_count(user),
                           ip_days=current_app.config["IP_RETENTION_DAYS"]), status


@bp.get("/account/data/erase")
@signed_in
def erase_page():
    return _erase_page(EraseForm())


@bp.post("/account/data/export.zip")
@signed_in
def export():
    archive = services.export_archive(current_user._get_current_object())  # audited: a POST
    response = Response(archive, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="mobility-my-data-{date.today()}.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/account/data/erase")
@signed_in
def erase():
    user = current_user._get_current_object()
    form = EraseForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(form, services.erase_account, user, form.password.data):
            accounts.sign_out(user)
            flash(_("Your account is erased. Thank you for having been part of the programme."), "success")
            return redirect(url_for("home.index"))
    return _erase_page(form, 422)
