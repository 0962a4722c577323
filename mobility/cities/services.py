"""Loading the reference list of culture cities."""
from __future__ import annotations

import csv
from decimal import Decimal
from importlib import resources

from sqlalchemy import select

from mobility.cities.enums import Programme
from mobility.cities.models import City
from mobility.extensions import db


def read_reference_cities() -> list[dict]:
    """Rows of the project's copy of the public ECoC / CCEA list (mobility/data/cities.csv)."""
    text = resources.files("mobility.data").joinpath("cities.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def load_reference_cities() -> int:
    """Insert or update every reference city; returns how many were added. Safe to run twice."""
    existing = {(c.programme, c.title_year, c.name_en): c for c in db.session.scalars(select(City))}
    added = 0
    for row in read_reference_cities():
        programme = Programme(row["programme"])
        key = (programme, int(row["year"]), row["city"])
        values = dict(
            side=programme.side,
            name_local=row["name_local"],
            country=row["country"],
            latitude=Decimal(row["lat"]),
            longitude=Decimal(row["lon"]),
            note=row["note"] or "",
        )
        city = existing.get(key)
        if city is None:
            db.session.add(City(programme=programme, title_year=key[1], name_en=key[2], **values))
            added += 1
        else:
            for name, value in values.items():
                if getattr(city, name) != value:
                    setattr(city, name, value)
    db.session.flush()
    return added
