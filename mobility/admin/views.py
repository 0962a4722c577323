"""Administration: people and roles, programmes and their managers, the audit log, the mail outbox."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts import policies, services, twofactor
from mobility.accounts.enums import Role
from mobility.accounts.forms import (
    ProgrammeForm,
    ProgrammeManagerForm,
    RemoveManagerForm,
    ResetTwoFactorForm,
    RoleChangeForm,
)
from mobility.accounts.models import Programme, User
from mobility.accounts.queries import audit_page, audit_total, programmes_with_managers, users_matching
from mobility.calls.queries import call_counts_by_programme, calls_of_programme
from mobility.core import unit_of_work
from mobility.core.access import roles_required
from mobility.core.audit import ACTION_TITLES, action_title
from mobility.core.paging import MAX_INT, page_arg
from mobility.core.queries import outbox_newest_first
from mobility.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

PAGE_SIZE = 50


def _page() -> int:
    return page_arg()


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    q = (request.args.get("q") or "").strip()
    page = db.paginate(users_matching(q), page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, q=q, roles=list(Role), form=RoleChangeForm())


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int):
    """A person lost their device (and their recovery codes): their second factor is taken off, audited.
    Never in one click: a page says what the reset does, and the administrator confirms they checked it is them."""
    user = db.get_or_404(User, user_id) if user_id <= MAX_INT else abort(404)
    actor = current_user._get_current_object()
    if not policies.can_reset_two_factor(actor, user):
        abort(403)
    form = ResetTwoFactorForm()
    back = url_for("admin.users", q=request.args.get("q") or None)
    if form.validate_on_submit() and unit_of_work.attempt(form, twofactor.reset, actor, user):
        flash(_("The two-factor sign-in of %(name)s is reset: they were signed out everywhere and sign in with "
                "their password next time.", name=user.name), "success")
        return redirect(back)
    return render_template("admin/reset_two_factor.html", user=user, form=form, back=back)


@bp.post("/users/<int:user_id>/roles/<action>")
@roles_required(Role.ADMIN)
def change_role(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    form = RoleChangeForm()
    if action not in ("grant", "revoke") or not form.validate_on_submit():
        abort(400)
    role = Role(form.role.data)
    actor = current_user._get_current_object()
    if unit_of_work.attempt(None, services.grant_role if action == "grant" else services.revoke_role,
                            actor, user, role):
        if action == "grant":
            flash(_("%(name)s is now also: %(role)s.", name=user.name, role=role.title), "success")
        else:
            flash(_("%(name)s is no longer: %(role)s.", name=user.name, role=role.title), "success")
    return redirect(url_for("admin.users", q=request.args.get("q") or None))


@bp.route("/programmes", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def programmes():
    form = ProgrammeForm()
    if form.validate_on_submit():
        created = unit_of_work.attempt(form, services.create_programme, current_user._get_current_object(),
                                       form.name.data)
        if created:
            flash(_("The programme is created. Add its managers: they will run its calls."), "success")
            return redirect(url_for("admin.programme", programme_id=created.value.id))
    counts = call_counts_by_programme()
    return render_template("admin/programmes.html", programmes=programmes_with_managers(), call_counts=counts,
                           form=form)


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def programme(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = ProgrammeManagerForm()
    if form.validate_on_submit():
        added = unit_of_work.attempt(form, services.add_programme_manager, current_user._get_current_object(),
                                     programme, form.email.data)
        if added:
            flash(_("%(name)s now runs the calls of %(programme)s.", name=added.value.name,
                    programme=programme.name), "success")
            return redirect(url_for("admin.programme", programme_id=programme.id))
    return render_template("admin/programme.html", programme=programme, calls=calls_of_programme(programme.id),
                           form=form,
                           remove_form=RemoveManagerForm())


@bp.post("/programmes/<int:programme_id>/managers/<int:user_id>/remove")
@roles_required(Role.ADMIN)
def remove_programme_manager(programme_id: int, user_id: int):
    programme = db.get_or_404(Programme, programme_id)
    user = db.get_or_404(User, user_id)
    if not RemoveManagerForm().validate_on_submit():
        abort(400)
    services.remove_programme_manager(current_user._get_current_object(), programme, user)
    flash(_("%(name)s no longer runs the calls of %(programme)s.", name=user.name, programme=programme.name),
          "success")
    return redirect(url_for("admin.programme", programme_id=programme.id))


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    action = request.args.get("action") or None
    total = audit_total(action)
    page = _page()
    rows = audit_page(action, page, PAGE_SIZE)
    return render_template("admin/audit.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           action=action, actions=ACTION_TITLES, action_title=action_title)


@bp.get("/outbox")
@roles_required(Role.ADMIN)
def outbox():
    page = db.paginate(outbox_newest_first(), page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/outbox.html", page=page)
