"""Open data: funded exchanges as aggregates, never as rows that point to one person.

One row per city pair × direction × discipline × year in which the stay began: how many grants, their sum
in euros and their days. A cell of fewer than MIN_GRANTS_PER_CELL grants publishes no figure at all and says
so (`suppressed`), since a handful of exchanges with their dates and amounts identifies the artists. The
codes are stable identifiers (a pair's code is made of its two cities and their title years), the licence is
CC BY 4.0, and the data dictionary (COLUMNS) is published with the data: as a page, and as a Frictionless
Data Package descriptor (datapackage.json).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale

from mobility.accounts.enums import Discipline
from mobility.cities.enums import Direction
from mobility.cities.models import City, CityPair
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.reports.queries import funded_exchanges

MIN_GRANTS_PER_CELL = 5
UNSPECIFIED = "unspecified"
LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
ATTRIBUTION = "Mobility grant programme, open data"


@dataclass(frozen=True)
class Column:
    name: str
    type: str          # Table Schema types: string, integer, number, boolean
    title: object      # translated label (lazy)
    description: object


COLUMNS = (
    Column("pair_code", "string", _l("City pair (code)"),
           _l("Stable identifier of the city pair: the European city and the East Asian city, each with the "
              "year of its title.")),
    Column("europe_city", "string", _l("European city"), _l("The European Capital of Culture of the pair (English name).")),
    Column("east_asia_city", "string", _l("East Asian city"), _l("The Culture City of East Asia of the pair (English name).")),
    Column("direction", "string", _l("Direction (code)"),
           _l("eu_to_ea: from the European city to the East Asian one; ea_to_eu: the other way.")),
    Column("discipline", "string", _l("Discipline (code)"),
           _l("The artist's discipline, as a code (see the list of codes); “unspecified” when none was given.")),
    Column("year", "integer", _l("Year"), _l("The year in which the stays began.")),
    Column("grants", "integer", _l("Number of grants"), _l("Number of accepted grants; empty when suppressed.")),
    Column("grant_eur_total", "number", _l("Total granted (EUR)"),
           _l("Sum of the grants in euros, two decimals; empty when suppressed.")),
    Column("days_total", "integer", _l("Total days"), _l("Sum of the days of the stays; empty when suppressed.")),
    Column("suppressed", "boolean", _l("Suppressed"),
           _l("true when the cell has fewer than %(n)s grants: then no figure of it is published.",
              n=MIN_GRANTS_PER_CELL)),
)
HEADER = tuple(c.name for c in COLUMNS)
PRIMARY_KEY = ("pair_code", "direction", "discipline", "year")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def city_code(city: City) -> str:
    return f"{_slug(city.name_en)}-{city.title_year}"


def pair_code(pair: CityPair) -> str:
    """e.g. "chemnitz-2025~kamakura-2025": the same on every installation and across years of data."""
    return f"{city_code(pair.europe_city)}~{city_code(pair.east_asia_city)}"


def cells(pair_id: int | None = None) -> list[dict]:
    """The published table: one dict per cell, figures left out (None) where suppressed."""
    groups: dict[tuple, dict] = {}
    for grant, report in db.session.execute(funded_exchanges(pair_id)):
        application = grant.application
        start = report.actual_start if report and report.actual_start else grant.start_date
        days = report.actual_days if report and report.actual_days else grant.days
        discipline = application.discipline.value if application.discipline else UNSPECIFIED
        pair = application.pair
        key = (pair_code(pair), grant.direction.value, discipline, start.year)
        group = groups.setdefault(key, {"pair": pair, "grants": 0, "eur": Decimal("0"), "days": 0})
        group["grants"] += 1
        group["eur"] += grant.amount
        group["days"] += days or 0
    published = []
    for (code, direction, discipline, year), group in sorted(groups.items()):
        small = group["grants"] < MIN_GRANTS_PER_CELL
        published.append({
            "pair_code": code, "pair_id": group["pair"].id, "europe_city": group["pair"].europe_city.name_en,
            "east_asia_city": group["pair"].east_asia_city.name_en, "direction": direction,
            "discipline": discipline, "year": year,
            "grants": None if small else group["grants"],
            "grant_eur_total": None if small else group["eur"].quantize(Decimal("0.01")),
            "days_total": None if small else group["days"], "suppressed": small})
    return published


def csv_rows(published: Iterable[dict]) -> Iterable[tuple]:
    for cell in published:
        yield tuple(("true" if cell[c] else "false") if c == "suppressed" else cell[c] for c in HEADER)


def code_lists() -> dict[str, list[tuple[str, object]]]:
    """The codes of the coded columns with their labels in the reader's language."""
    directions: list[tuple[str, object]] = [(d.value, d.title) for d in Direction]
    disciplines: list[tuple[str, object]] = [(d.value, d.title) for d in Discipline]
    return {"direction": directions, "discipline": disciplines + [(UNSPECIFIED, _l("Not given"))]}


def data_package(csv_url: str, page_url: str) -> dict:
    """The Frictionless Data Package descriptor: licence, the data dictionary and the codes, in English."""
    codes = code_lists()
    return {
        "profile": "tabular-data-package",
        "name": "mobility-funded-exchanges",
        "title": "Funded exchanges between European Capitals of Culture and Culture Cities of East Asia",
        "description": (f"Accepted grants per city pair, direction, discipline and year in which the stay began. "
                        f"Cells with fewer than {MIN_GRANTS_PER_CELL} grants are suppressed: their figures are "
                        f"empty and `suppressed` is true."),
        "homepage": page_url,
        "licenses": [LICENCE],
        "sources": [{"title": ATTRIBUTION, "path": page_url}],
        "resources": [{
            "name": "exchanges",
            "path": csv_url,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig",
            "licenses": [LICENCE],
            "schema": {
                "fields": [{"name": c.name, "type": c.type, "title": _english(c.title),
                            "description": _english(c.description),
                            **({"constraints": {"enum": [code for code, _t in codes[c.name]]}}
                               if c.name in codes else {})}
                           for c in COLUMNS],
                "primaryKey": list(PRIMARY_KEY),
                "missingValues": [""],
            },
        }],
    }


def _english(text) -> str:
    with force_locale("en"):
        return str(text)
