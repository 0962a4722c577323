"""A small programme of plain rows whose outcome table is computed by hand (tests/unit/test_outcomes.py).

Pair Chemnitz ⇄ Kamakura, two calls: `call` closes this round (year Y), `older` closed in 2024.

    grant  call   direction  status    amount  days  travellers  paid        report (approved?)       distance
    g1     call   eu_to_ea   accepted  1000    10    2           600         yes: co-creation, 100, train   9000
    g2     call   eu_to_ea   offered    500     5    none (= 1)  —           —                              9000
    g3     call   eu_to_ea   declined   700     7    1           —           —  (not committed: left out)   9000
    g4     call   ea_to_eu   accepted  2000    20    1           1000 + 500  yes: no co-creation, 40, plane 9000
    g5     older  eu_to_ea   accepted   300     3    3           —           submitted only (999: left out) 9000
    g6     other programme's call, accepted 5000 (left out of the programme's table)

CO2e (kg) = distance × 2 × travellers × factor: g1 9000 × 2 × 2 × 0.04 = 1440; g4 9000 × 2 × 1 × 0.19 = 3420.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant, Payment
from mobility.cities.enums import Direction
from mobility.core import memo
from mobility.db import utcnow
from mobility.extensions import db
from mobility.reports.enums import ReportStatus, TravelMode
from mobility.reports.models import FinalReport
from tests.factories import make_application, make_call, make_pair, make_programme, make_user

EU, EA = Direction.EUROPE_TO_EAST_ASIA, Direction.EAST_ASIA_TO_EUROPE
_numbers = itertools.count(1)


@dataclass
class Programme:
    manager: object
    programme_id: int
    pair: object
    call: object
    older: object
    year: int
    grants: dict


def _grant(call, direction, status, amount, days, travellers, *, pair) -> Grant:
    origin = pair.europe_city_id if direction is EU else pair.east_asia_city_id
    application = make_application(call=call, origin_city_id=origin)
    application.direction = direction
    start = date(2026, 5, 1)
    grant = Grant(application=application, call_id=call.id, pair_id=pair.id, direction=direction, status=status,
                  amount=Decimal(amount), currency="EUR", distance_km=9000, days=days, start_date=start,
                  end_date=date(2026, 5, days), travellers=[{"name": f"T{i}"} for i in range(travellers)],
                  breakdown=[], accepted_at=utcnow() if status is GrantStatus.ACCEPTED else None)
    db.session.add(grant)
    db.session.flush()
    return grant


def _report(grant, status, *, co_creations="", audience=None, mode=None) -> FinalReport:
    report = FinalReport(grant=grant, status=status, co_creations=co_creations, audience=audience,
                         travel_mode=mode, sectors=["creative"] if co_creations else ["tourism"])
    db.session.add(report)
    return report


def make_outcome_programme() -> Programme:
    """The programme above, in a programme of its own (its manager runs only it)."""
    name = f"Outcomes {next(_numbers)}"
    manager = make_user("manager", programme=name)
    programme = make_programme(name, managers=[manager])
    pair = make_pair(actor=manager)
    call = make_call(actor=manager, pairs=[pair], title="This round", publish=True, programme=programme)
    older = make_call(actor=manager, pairs=[pair], title="The 2024 round", publish=True, programme=programme)
    g = {
        "g1": _grant(call, EU, GrantStatus.ACCEPTED, "1000", 10, 2, pair=pair),
        "g2": _grant(call, EU, GrantStatus.OFFERED, "500", 5, 0, pair=pair),
        "g3": _grant(call, EU, GrantStatus.DECLINED, "700", 7, 1, pair=pair),
        "g4": _grant(call, EA, GrantStatus.ACCEPTED, "2000", 20, 1, pair=pair),
        "g5": _grant(older, EU, GrantStatus.ACCEPTED, "300", 3, 3, pair=pair),
    }
    other_manager = make_user("manager")
    other_programme = make_programme(f"{name}, another", managers=[other_manager])
    other_call = make_call(actor=other_manager, pairs=[pair], title="Theirs", publish=True,
                           programme=other_programme)
    g["g6"] = _grant(other_call, EU, GrantStatus.ACCEPTED, "5000", 30, 1, pair=pair)
    for grant, amount in ((g["g1"], "600"), (g["g4"], "1000"), (g["g4"], "500")):
        db.session.add(Payment(grant=grant, instalment=1 if amount != "500" else 2, amount=Decimal(amount),
                               reference=f"P-{grant.id}-{amount}", paid_on=date(2026, 4, 1)))
    _report(g["g1"], ReportStatus.APPROVED, co_creations="A dance piece", audience=100, mode=TravelMode.TRAIN)
    _report(g["g4"], ReportStatus.APPROVED, co_creations="", audience=40, mode=TravelMode.PLANE)
    _report(g["g5"], ReportStatus.SUBMITTED, co_creations="Something", audience=999, mode=TravelMode.PLANE)
    older.closes_at = datetime(2024, 6, 30, 12, tzinfo=timezone.utc)
    older.opens_at = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    db.session.commit()
    memo.dashboards_changed()  # rows written here, not by the services that tell the dashboard's memo
    return Programme(manager=manager, programme_id=programme.id, pair=pair, call=call, older=older,
                     year=call.closes_at.year, grants=g)
