"""Grant amounts from a call's rate table: great-circle distance band, days × daily allowance, top-ups.

Money is Decimal throughout. Rounding rule: every line is rounded to the cent, half up, and the total
is the sum of the rounded lines (so the breakdown always adds up to what is paid).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from mobility.calls.models import Call
from mobility.cities.geography import great_circle_km
from mobility.cities.models import City

CENT = Decimal("0.01")


def travel_amount(call: Call, distance_km: int) -> Decimal:
    for band in call.distance_bands:
        if band.min_km <= distance_km and (band.max_km is None or distance_km < band.max_km):
            return band.amount
    raise ValueError(f"no distance band covers {distance_km} km")


def daily_allowance(call: Call, host_country: str) -> Decimal:
    return next((p.amount for p in call.per_diems if p.country == host_country), call.daily_allowance)


@dataclass(frozen=True)
class Line:
    code: str        # travel, daily, green, visa, family, accessibility, accessibility_costs
    quantity: int
    unit: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Traveller:
    green_travel: bool = False
    visa: bool = False
    children: int = 0
    accessibility_days: int = 0
    accessibility_costs: Decimal = Decimal("0")


@dataclass(frozen=True)
class Breakdown:
    distance_km: int
    days: int
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


def _line(code: str, quantity: int, unit: Decimal) -> Line:
    return Line(code, quantity, unit, (unit * quantity).quantize(CENT, rounding=ROUND_HALF_UP))


def calculate(call: Call, origin: City, host: City, days: int,
              travellers: list[Traveller] | None = None) -> Breakdown:
    """The grant for `days` in `host` for each traveller (one traveller with no top-ups by default)."""
    travellers = travellers or [Traveller()]
    distance = great_circle_km(origin, host)
    travel, per_day = travel_amount(call, distance), daily_allowance(call, host.country)
    lines = [_line("travel", len(travellers), travel), _line("daily", days * len(travellers), per_day)]
    top_ups = (
        ("green", sum(t.green_travel for t in travellers), call.green_travel_topup),
        ("visa", sum(t.visa for t in travellers), call.visa_topup),
        ("family", sum(t.children for t in travellers), call.family_topup_per_child),
        ("accessibility", sum(t.accessibility_days for t in travellers), call.accessibility_topup_per_day),
    )
    lines += [_line(code, quantity, unit) for code, quantity, unit in top_ups if quantity]
    costs = sum((t.accessibility_costs for t in travellers), Decimal("0"))
    if costs:
        lines.append(_line("accessibility_costs", 1, costs))
    return Breakdown(distance_km=distance, days=days, lines=lines)


def totals_by_days(call: Call, origin: City, host: City, days: Iterable[int]) -> dict[int, Decimal]:
    """{d: calculate(call, origin, host, d).total} for one traveller with no top-ups (a ranking's estimate
    for each length of stay), the distance and the rates looked up once: the same two rounded lines."""
    travel = _line("travel", 1, travel_amount(call, great_circle_km(origin, host)))
    per_day = daily_allowance(call, host.country)
    return {d: sum((travel.amount, _line("daily", d, per_day).amount), Decimal("0")) for d in days}
