"""The outcome table a funder and a city read: per city pair, direction and year of the round, what the funded
exchanges came to (dashboard.outcomes() computes it in SQL), as a page, a CSV file and a JSON document.

The CSV is read by people: its header and directions are in the reader's language, the pair by its name and its
stable code (open_data.pair_code). The JSON is read by programs: keys and codes, with the labels beside them.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from mobility.cities.enums import Direction
from mobility.cities.models import CityPair
from mobility.core.text import lazy_gettext as _l
from mobility.reports.dashboard import OutcomeRow, outcome_totals
from mobility.reports.open_data import MIN_GRANTS_PER_CELL, pair_code


@dataclass(frozen=True)
class Figure:
    name: str        # the OutcomeRow field, and the key in the JSON document
    title: object    # translated label (lazy)
    money: bool = False


FIGURES = (
    Figure("exchanges", _l("Exchanges")),
    Figure("artists", _l("Artists travelling")),
    Figure("days", _l("Days")),
    Figure("committed", _l("Grants committed (EUR)"), money=True),
    Figure("paid", _l("Grants paid (EUR)"), money=True),
    Figure("reports", _l("Approved final reports")),
    Figure("co_creations", _l("Co-creations")),
    Figure("audience", _l("Audiences (people reached)")),
    Figure("co2_kg", _l("CO₂e of travel, kg (travellers counted)")),
)
# Where each figure drills down on the dashboard (the list it counts or sums).
DRILL_DOWN = {"exchanges": "grants", "artists": "artists", "days": "days", "committed": "grants",
              "paid": "grants", "reports": "reports", "co_creations": "co_creations", "audience": "audience",
              "co2_kg": "co2"}


# On a public page a row of fewer exchanges publishes no figure (as open data): a handful of exchanges with
# their amounts and days points to the artists. No total is shown there, which would give a hidden row away.
MIN_EXCHANGES = MIN_GRANTS_PER_CELL


def published(rows: Sequence[OutcomeRow]) -> list[tuple[OutcomeRow, bool]]:
    """(row, suppressed) for a public page."""
    return [(row, row.exchanges < MIN_EXCHANGES) for row in rows]


def _direction(code: str) -> Direction | None:
    try:
        return Direction(code)
    except ValueError:
        return None


def _value(row: OutcomeRow, figure: Figure):
    value = getattr(row, figure.name)
    return value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else value


def csv_header() -> list[str]:
    return [str(_l("City pair")), str(_l("City pair (code)")), str(_l("Direction")), str(_l("Year")),
            *(str(f.title) for f in FIGURES)]


def csv_rows(rows: Sequence[OutcomeRow], pairs: dict[int, CityPair]) -> Iterable[list]:
    for row in rows:
        pair, direction = pairs.get(row.pair_id), _direction(row.direction)
        yield [pair.display_name() if pair else "", pair_code(pair) if pair else "",
               direction.title if direction else row.direction, row.year, *(_value(row, f) for f in FIGURES)]
    total = outcome_totals(rows)
    yield [str(_l("Total")), "", "", "", *(_value(total, f) for f in FIGURES)]


def document(rows: Sequence[OutcomeRow], pairs: dict[int, CityPair], programme: str | None) -> dict:
    """The JSON download: the columns with their labels, one object per row, and the totals."""
    def figures(row: OutcomeRow) -> dict:
        return {f.name: (str(_value(row, f)) if f.money else _value(row, f)) for f in FIGURES}

    return {
        "programme": programme,
        "currency": "EUR",
        "columns": [{"name": f.name, "title": str(f.title)} for f in FIGURES],
        "rows": [{"pair_id": r.pair_id, "pair_code": pair_code(pairs[r.pair_id]) if r.pair_id in pairs else None,
                  "pair": pairs[r.pair_id].display_name() if r.pair_id in pairs else None,
                  "direction": r.direction,
                  "direction_title": str(d.title) if (d := _direction(r.direction)) else r.direction,
                  "year": r.year, **figures(r)} for r in rows],
        "totals": figures(outcome_totals(rows)),
    }
