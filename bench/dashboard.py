"""Dashboard aggregates at scale: the time of each figure group beside a bare count(*) of the same rows.

    .venv/bin/python bench/dashboard.py                         # 100,000 applications on a temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/dashboard.py
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from config import TestingConfig  # noqa: E402
from mobility import create_app  # noqa: E402
from mobility.accounts.enums import Discipline  # noqa: E402
from mobility.accounts.models import User  # noqa: E402
from mobility.applications.enums import ApplicationStatus  # noqa: E402
from mobility.applications.models import Application  # noqa: E402
from mobility.awards.enums import GrantStatus  # noqa: E402
from mobility.awards.models import Grant, Payment  # noqa: E402
from mobility.calls.enums import CallKind, CallStatus  # noqa: E402
from mobility.calls.models import Call, call_pair  # noqa: E402
from mobility.cities.models import City, CityPair  # noqa: E402
from mobility.cities.services import load_reference_cities  # noqa: E402
from mobility.db import utcnow  # noqa: E402
from mobility.extensions import db  # noqa: E402
from mobility.reports import dashboard  # noqa: E402
from mobility.reports.enums import ReportStatus, Sector, TravelMode  # noqa: E402
from mobility.reports.models import FinalReport  # noqa: E402

STATUSES = [ApplicationStatus.SUBMITTED, ApplicationStatus.INELIGIBLE, ApplicationStatus.ELIGIBLE,
            ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED, ApplicationStatus.WAITLISTED,
            ApplicationStatus.AWARDED]


def populate(count: int, seed: int) -> Call:
    rng = random.Random(seed)
    load_reference_cities()
    europe = db.session.scalar(sa.select(City).where(City.name_en == "Chemnitz"))
    asia = db.session.scalar(sa.select(City).where(City.name_en == "Kamakura"))
    pair = CityPair(europe_city_id=europe.id, east_asia_city_id=asia.id, start_year=2025, end_year=2027,
                    illustrative=True, description={})
    db.session.add(pair)
    db.session.flush()
    now = utcnow()
    call = Call(kind=CallKind.RESIDENCY, status=CallStatus.CLOSED, title={"en": "Bench"}, required_texts=[],
                required_locales=["en"], directions=["eu_to_ea", "ea_to_eu"], accepted_languages=["en"],
                opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=30), timezone="UTC",
                daily_allowance=Decimal(85), green_travel_topup=Decimal(400), visa_topup=Decimal(120),
                family_topup_per_child=Decimal(200), accessibility_topup_per_day=Decimal(30))
    db.session.add(call)
    db.session.flush()
    db.session.execute(call_pair.insert().values(call_id=call.id, pair_id=pair.id))
    db.session.execute(sa.insert(User), [dict(email=f"a{n}@bench.invalid", name=f"A{n}", password_hash="x",
                                              locale="en", timezone="UTC", active=True, created_at=now,
                                              updated_at=now) for n in range(count)])
    users = list(db.session.scalars(sa.select(User.id).where(User.email.like("%@bench.invalid")).order_by(User.id)))
    start = date(2027, 5, 1)
    disciplines = list(Discipline)
    db.session.execute(sa.insert(Application), [dict(
        call_id=call.id, applicant_id=u, status=rng.choice(STATUSES), version=1, pair_id=pair.id,
        origin_city_id=europe.id if n % 2 else asia.id, direction="eu_to_ea" if n % 2 else "ea_to_eu",
        start_date=start, end_date=start + timedelta(days=20), title=f"P{n}", summary="", answers={},
        summary_translations={}, languages=["en"], discipline=rng.choice(disciplines), host_organisation="",
        host_contact_name="", host_email="", search_text="", reference=f"B-{n}", submitted_at=now,
        created_at=now, updated_at=now) for n, u in enumerate(users)])
    awarded = db.session.execute(sa.select(Application.id, Application.direction).where(
        Application.status == ApplicationStatus.AWARDED)).all()
    db.session.execute(sa.insert(Grant), [dict(
        application_id=a, call_id=call.id, pair_id=pair.id, direction=d, status=GrantStatus.ACCEPTED,
        amount=Decimal("3350.00"), currency="EUR", distance_km=9107, days=21, start_date=start,
        end_date=start + timedelta(days=20), travellers=[], breakdown=[], created_at=now, updated_at=now)
        for a, d in awarded])
    grants = list(db.session.scalars(sa.select(Grant.id)))
    db.session.execute(sa.insert(Payment), [dict(grant_id=g, instalment=1, amount=Decimal("2345.00"),
                                                 reference="B", paid_on=start, created_at=now) for g in grants])
    sectors = [s.value for s in Sector]
    db.session.execute(sa.insert(FinalReport), [dict(
        grant_id=g, status=ReportStatus.APPROVED, version=1, actual_start=start, actual_end=start + timedelta(days=20),
        activities="a", co_creations="c" if g % 3 else "", audience=rng.randint(10, 500), partners="",
        sectors=rng.sample(sectors, 2), travel_mode=rng.choice(list(TravelMode)), public_summary="s",
        created_at=now, updated_at=now) for g in grants[::2]])
    db.session.commit()
    return call


def timed(label: str, work, baseline: float | None = None, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t0)
    ratio = f"   {best / baseline:5.1f}× count(*)" if baseline else ""
    print(f"{label:<44} {best * 1000:8.1f} ms{ratio}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {}

    app = create_app(BenchConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        call = populate(args.applications, args.seed)
        print(f"data: {args.applications:,} applications on {db.engine.dialect.name} "
              f"({time.perf_counter() - t0:.1f} s to load)")
        filters = dashboard.Filters(call_id=call.id)
        baseline = timed("bare SELECT count(*) FROM application",
                         lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Application)))
        timed("all indicators (4 aggregate queries)", lambda: dashboard.indicators(filters), baseline)
        timed("drill-down list, first page of 100", lambda: db.session.scalars(
            dashboard.figure_query("awarded", filters).limit(100)).all(), baseline)
        timed("indicators filtered by direction + discipline", lambda: dashboard.indicators(
            dashboard.Filters(call_id=call.id, direction="eu_to_ea", discipline="dance")), baseline)
        print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        db.drop_all()


if __name__ == "__main__":
    main()
