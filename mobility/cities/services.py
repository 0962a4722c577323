"""Cities and city pairs: loading the reference list, adding cities, pairing them."""
from __future__ import annotations

import csv
from decimal import Decimal
from importlib import resources

from sqlalchemy import select

from mobility.cities.enums import Programme, Side
from mobility.cities.models import City, CityPair
from mobility.core import audit, memo
from mobility.core.errors import DomainError
from mobility.core.once import refused_by_key
from mobility.core.text import clean_name
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.i18n.content import clean


def _read_csv(name: str) -> list[dict]:
    text = resources.files("mobility.data").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def read_reference_cities() -> list[dict]:
    """Rows of the project's copy of the public ECoC / CCEA list (mobility/data/cities.csv)."""
    return _read_csv("cities.csv")


def read_city_names() -> dict[tuple[str, int, str], dict[str, str]]:
    """Names of the reference cities in Chinese, Japanese and Korean (mobility/data/city_names.csv)."""
    return {
        (row["programme"], int(row["year"]), row["city"]): {loc: row[loc] for loc in ("zh_Hans", "ja", "ko")}
        for row in _read_csv("city_names.csv")
    }


def load_reference_cities() -> int:
    """Insert or update every reference city; returns how many were added. Safe to run twice."""
    existing = {(c.programme, c.title_year, c.name_en): c for c in db.session.scalars(select(City))}
    names = read_city_names()
    added = 0
    for row in read_reference_cities():
        programme = Programme(row["programme"])
        key = (programme, int(row["year"]), row["city"])
        values = dict(
            side=programme.side,
            name_local=row["name_local"],
            names=names.get((row["programme"], key[1], key[2]), {}),
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
                    memo.rankings_changed()  # a place or country: every distance and per diem with it
    db.session.flush()
    return added


def add_city(actor, *, programme: Programme, title_year: int, name_en: str, name_local: str, country: str,
             latitude: Decimal, longitude: Decimal, names: dict[str, str]) -> City:
    name_en, name_local = clean_name(name_en) or "", clean_name(name_local) or ""
    country = (country or "").strip().upper()
    if not name_en:
        raise DomainError(_l("Give the city's name in English."), field="name_en")
    if not -90 <= latitude <= 90:
        raise DomainError(_l("Latitude lies between -90 and 90."), field="latitude")
    if not -180 <= longitude <= 180:
        raise DomainError(_l("Longitude lies between -180 and 180."), field="longitude")
    if not 1985 <= title_year <= 2100:
        raise DomainError(_l("Give the year of the title, for example 2027."), field="title_year")
    taken = DomainError(_l("This city already holds this title in this year."), field="name_en")
    duplicate = db.session.scalar(select(City).where(City.programme == programme, City.title_year == title_year,
                                                     City.name_en == name_en))
    if duplicate is not None:
        raise taken
    city = City(programme=programme, side=programme.side, title_year=title_year, name_en=name_en,
                name_local=name_local or name_en, country=country, latitude=latitude, longitude=longitude,
                names={k: clean_name(v) for k, v in names.items() if v and clean_name(v)})
    with refused_by_key(taken):  # the same city added twice at once
        db.session.add(city)
        db.session.flush()
    audit.record("city.created", actor=actor, target=city, name=name_en)
    return city


def save_pair(actor, *, europe_city_id: int, east_asia_city_id: int, start_year: int, end_year: int,
              illustrative: bool, description: dict[str, str], pair: CityPair | None = None) -> CityPair:
    europe = db.session.get(City, europe_city_id)
    east_asia = db.session.get(City, east_asia_city_id)
    if europe is None or europe.side is not Side.EUROPE:
        raise DomainError(_l("Choose a European Capital of Culture."), field="europe_city_id")
    if east_asia is None or east_asia.side is not Side.EAST_ASIA:
        raise DomainError(_l("Choose a Culture City of East Asia."), field="east_asia_city_id")
    if start_year > end_year:
        raise DomainError(_l("The pair must end in or after the year it starts."), field="end_year")
    same = db.session.scalar(select(CityPair).where(CityPair.europe_city_id == europe.id,
                                                    CityPair.east_asia_city_id == east_asia.id))
    taken = DomainError(_l("These two cities are already paired."), field="east_asia_city_id")
    if same is not None and same is not pair:
        raise taken
    created = pair is None
    if pair is None:
        pair = CityPair()
    with refused_by_key(taken):  # the same pair saved twice at once
        db.session.add(pair)
        pair.europe_city_id, pair.east_asia_city_id = europe.id, east_asia.id
        pair.start_year, pair.end_year, pair.illustrative = start_year, end_year, illustrative
        pair.description = clean(description)
        db.session.flush()
    if not created:
        memo.rankings_changed()  # the host city of every exchange of the pair may have changed
    audit.record("pair.created" if created else "pair.updated", actor=actor, target=pair)
    return pair
