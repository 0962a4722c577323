"""The landing page."""
from __future__ import annotations

from flask import Blueprint, render_template

from mobility.cities.enums import Side
from mobility.cities.queries import cities_newest_first
from mobility.core.access import public

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@public
def index():
    cities = cities_newest_first()
    europe = [c for c in cities if c.side is Side.EUROPE]
    east_asia = [c for c in cities if c.side is Side.EAST_ASIA]
    return render_template("home/index.html", europe=europe, east_asia=east_asia)
