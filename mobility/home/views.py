"""The landing page."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from mobility.cities.enums import Side
from mobility.cities.models import City
from mobility.core.access import public
from mobility.extensions import db

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@public
def index():
    cities = db.session.scalars(select(City).order_by(City.title_year.desc(), City.name_en)).all()
    europe = [c for c in cities if c.side is Side.EUROPE]
    east_asia = [c for c in cities if c.side is Side.EAST_ASIA]
    return render_template("home/index.html", europe=europe, east_asia=east_asia)
