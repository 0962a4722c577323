"""City pairs: public pages, and the office's forms to add cities and pairs."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mobility.accounts.enums import Role
from mobility.accounts.policies import is_programme_office  # who may change cities and pairs
from mobility.calls.policies import PUBLIC_STATUSES
from mobility.calls.queries import calls_for_pair
from mobility.cities import services
from mobility.cities.enums import Direction, Programme, Side
from mobility.cities.forms import CityForm, PairForm
from mobility.cities.maps import pair_map
from mobility.cities.models import CityPair
from mobility.cities.queries import cities_of_side, pairs_newest_first
from mobility.core import unit_of_work
from mobility.core.access import public, roles_required
from mobility.core.paging import page_arg
from mobility.extensions import db
from mobility.i18n.forms import fill_localized, localized_data
from mobility.reports import dashboard, outcomes
from mobility.reports.queries import funded_exchanges_page

bp = Blueprint("cities", __name__, template_folder="templates")
OFFICE = (Role.MANAGER, Role.ADMIN)
EXCHANGES_PAGE = 20  # a public page of exchanges stays short on a phone


def _pairs():
    return pairs_newest_first()


@bp.get("/pairs")
@public
def pairs():
    return render_template("cities/pairs.html", pairs=_pairs(), can_manage=is_programme_office(current_user))


@bp.get("/pairs/<int:pair_id>")
@public
def pair(pair_id: int):
    pair = db.get_or_404(CityPair, pair_id)
    calls = db.session.scalars(calls_for_pair(pair.id, PUBLIC_STATUSES)).all()
    page = funded_exchanges_page(pair.id, page_arg(), EXCHANGES_PAGE)
    rows = dashboard.current_outcomes(dashboard.Filters(pair_id=pair.id, accepted_only=True))
    by_direction = {d: sum(r.exchanges for r in rows if r.direction == d.value) for d in Direction}
    return render_template("cities/pair.html", pair=pair, calls=calls, exchanges=page.items, page=page,
                           by_direction=by_direction, most=max(by_direction.values(), default=0) or 1,
                           outcomes=outcomes.published(rows), figures=outcomes.FIGURES,
                           minimum=outcomes.MIN_EXCHANGES,
                           map=pair_map(pair.europe_city, pair.east_asia_city),
                           can_manage=is_programme_office(current_user))


def _city_choices(side: Side):
    return [(c.id, f"{c.display_name()} ({c.country}, {c.title_year})") for c in cities_of_side(side)]


@bp.route("/manage/pairs/new", methods=["GET", "POST"])
@bp.route("/manage/pairs/<int:pair_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def edit_pair(pair_id: int | None = None):
    pair = db.get_or_404(CityPair, pair_id) if pair_id else None
    form = PairForm(obj=pair if request.method == "GET" else None)
    form.europe_city_id.choices = _city_choices(Side.EUROPE)
    form.east_asia_city_id.choices = _city_choices(Side.EAST_ASIA)
    if request.method == "GET" and pair is not None:
        fill_localized(form, "description", pair.description)
    if form.validate_on_submit():
        saved = unit_of_work.attempt(
            form, services.save_pair, current_user._get_current_object(),
            europe_city_id=form.europe_city_id.data, east_asia_city_id=form.east_asia_city_id.data,
            start_year=form.start_year.data, end_year=form.end_year.data, illustrative=form.illustrative.data,
            description=localized_data(form, "description"), pair=pair)
        if saved:
            flash(_("The city pair is saved."), "success")
            return redirect(url_for("cities.pair", pair_id=saved.value.id))
    return render_template("cities/pair_form.html", form=form, pair=pair)


@bp.route("/manage/cities/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def new_city():
    form = CityForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(
                form, services.add_city, current_user._get_current_object(),
                programme=Programme(form.programme.data), title_year=form.title_year.data,
                name_en=form.name_en.data, name_local=form.name_local.data, country=form.country.data,
                latitude=form.latitude.data, longitude=form.longitude.data,
                names={"zh_Hans": form.name_zh_Hans.data, "ja": form.name_ja.data, "ko": form.name_ko.data}):
            flash(_("The city is added."), "success")
            return redirect(url_for("cities.pairs"))
    return render_template("cities/city_form.html", form=form)
