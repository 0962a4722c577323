"""select() builders and small reads for cities and city pairs."""
from __future__ import annotations

from sqlalchemy import Select, select

from mobility.cities.enums import Side
from mobility.cities.models import City, CityPair
from mobility.extensions import db


def cities_by_side() -> list[City]:
    """Every city by side, then English name and title year (the profile's choice of a home city)."""
    return list(db.session.scalars(select(City).order_by(City.side, City.name_en, City.title_year)))


def cities_of_side(side: Side) -> list[City]:
    """The cities of one side, by English name and title year (the pair form's choices)."""
    return list(db.session.scalars(select(City).where(City.side == side).order_by(City.name_en, City.title_year)))


def cities_newest_first() -> list[City]:
    """Every city, the latest title year first (the landing page)."""
    return list(db.session.scalars(select(City).order_by(City.title_year.desc(), City.name_en)))


def listed_cities() -> Select:
    """Every city by side, then title year and English name (the API's list)."""
    return select(City).order_by(City.side, City.title_year, City.name_en, City.id)


def pairs_by_id() -> Select:
    """Every city pair, in the order they were made."""
    return select(CityPair).order_by(CityPair.id)


def pairs_newest_first() -> list[CityPair]:
    """Every city pair, the latest start year first."""
    return list(db.session.scalars(select(CityPair).order_by(CityPair.start_year.desc(), CityPair.id)))
