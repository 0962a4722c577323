"""Public pages: open calls, the archive, and a call's own page."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from mobility.accounts.enums import Discipline
from mobility.applications.queries import application_in_call
from mobility.calls import policies, rules
from mobility.calls.enums import CallKind
from mobility.calls.forms import CallFilterForm
from mobility.calls.models import Call
from mobility.calls.queries import LISTED_COLUMNS, archived_calls, open_calls
from mobility.cities.queries import pairs_by_id
from mobility.core.access import public
from mobility.db import utcnow
from mobility.extensions import db

bp = Blueprint("calls", __name__, url_prefix="/calls", template_folder="templates")


@bp.get("/")
@public
def index():
    form = CallFilterForm(request.args)
    pairs = db.session.scalars(pairs_by_id()).all()
    form.pair.choices = [("", "—")] + [(str(p.id), p.display_name()) for p in pairs]
    form.validate()
    closes_before = None
    if form.closes_before.data and not form.closes_before.errors:
        closes_before = datetime.combine(form.closes_before.data, time.max, tzinfo=timezone.utc)
    stmt = open_calls(
        utcnow(),
        pair_id=form.pair.data if not form.pair.errors else None,
        kind=CallKind(form.kind.data) if form.kind.data in {k.value for k in CallKind} else None,
        discipline=Discipline(form.discipline.data) if form.discipline.data in {d.value for d in Discipline} else None,
        closes_before=closes_before,
    )
    calls = db.session.scalars(stmt.options(LISTED_COLUMNS)).all()
    return render_template("calls/index.html", calls=calls, form=form, now=utcnow())


@bp.get("/archive")
@public
def archive():
    calls = db.session.scalars(archived_calls(utcnow()).options(LISTED_COLUMNS)).all()
    return render_template("calls/archive.html", calls=calls)


def call_page_context(call: Call) -> dict:
    mine = None
    if current_user.is_authenticated:
        mine = application_in_call(call.id, current_user.id)
    return {
        "call": call,
        "my_application": mine,
        "rule_sentences": [rules.explain(r.kind, r.params) for r in call.rules],
        "is_open": policies.is_open_for_applications(call),
        "now": utcnow(),
    }


@bp.get("/<int:call_id>")
@public
def detail(call_id: int):
    call = db.get_or_404(Call, call_id)
    if not policies.can_view_call(current_user, call):
        abort(404)  # a draft does not exist for the public
    return render_template("calls/detail.html", **call_page_context(call))
