"""Juror assignment at scale: rows in the database → instance → min-cost flow → assignments saved.

    .venv/bin/python bench/assign.py                       # 5,000 × 300 × 3 on a temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/assign.py
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
from mobility.accounts.enums import Discipline, Language, Level, Role  # noqa: E402
from mobility.accounts.models import Affiliation, LanguageSkill, User, UserDiscipline, UserRole  # noqa: E402
from mobility.applications.enums import ApplicationStatus  # noqa: E402
from mobility.applications.models import Application  # noqa: E402
from mobility.calls.enums import CallKind, CallStatus  # noqa: E402
from mobility.calls.models import Call, call_pair  # noqa: E402
from mobility.cities.models import City, CityPair  # noqa: E402
from mobility.cities.services import load_reference_cities  # noqa: E402
from mobility.db import utcnow  # noqa: E402
from mobility.extensions import db  # noqa: E402
from mobility.review import services as review  # noqa: E402
from mobility.review.assignment import build_instance  # noqa: E402
from mobility.review.models import CallJuror  # noqa: E402
from mobility.review.solver import solve  # noqa: E402

LANGUAGES = [lang.value for lang in Language]
DISCIPLINES = list(Discipline)


def populate(applications: int, jurors: int, k: int, seed: int) -> Call:
    rng = random.Random(seed)
    load_reference_cities()
    europe = db.session.scalar(sa.select(City).where(City.name_en == "Chemnitz"))
    asia = db.session.scalar(sa.select(City).where(City.name_en == "Kamakura"))
    pair = CityPair(europe_city_id=europe.id, east_asia_city_id=asia.id, start_year=2025, end_year=2027,
                    illustrative=True, description={})
    db.session.add(pair)
    db.session.flush()
    now = utcnow()
    call = Call(kind=CallKind.INDIVIDUAL_MOBILITY, status=CallStatus.PUBLISHED, title={"en": "Bench"},
                required_texts=[], required_locales=["en"], directions=["eu_to_ea", "ea_to_eu"],
                accepted_languages=LANGUAGES, opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1),
                timezone="UTC", reviewers_per_application=k, daily_allowance=Decimal(85),
                green_travel_topup=Decimal(400), visa_topup=Decimal(120), family_topup_per_child=Decimal(200),
                accessibility_topup_per_day=Decimal(30))
    db.session.add(call)
    db.session.flush()
    db.session.execute(call_pair.insert().values(call_id=call.id, pair_id=pair.id))

    organisations = [f"organisation {n}" for n in range(400)]
    people = [dict(email=f"person{n}@bench.invalid", name=f"Person {n}", password_hash="x", locale="en",
                   timezone="UTC", active=True, created_at=now, updated_at=now,
                   home_city_id=(europe.id if n % 2 else asia.id), country=("DE" if n % 2 else "JP"))
              for n in range(applications + jurors)]
    db.session.execute(sa.insert(User), people)
    ids = list(db.session.scalars(sa.select(User.id).where(User.email.like("%@bench.invalid")).order_by(User.id)))
    artist_ids, juror_ids = ids[:applications], ids[applications:]
    db.session.execute(sa.insert(UserRole), [{"user_id": j, "role": Role.JUROR, "granted_at": now} for j in juror_ids])
    skills, disciplines, affiliations = [], [], []
    for j in juror_ids:
        for language in rng.sample(LANGUAGES, rng.choice((1, 2, 2, 3))):
            skills.append({"user_id": j, "language": Language(language), "reading": Level.FLUENT})
        for discipline in rng.sample(DISCIPLINES, 2):
            disciplines.append({"user_id": j, "discipline": discipline})
        org = rng.choice(organisations)
        affiliations.append({"user_id": j, "organisation": org, "organisation_key": org})
    for a in artist_ids:
        org = rng.choice(organisations)
        affiliations.append({"user_id": a, "organisation": org, "organisation_key": org})
    db.session.execute(sa.insert(LanguageSkill), skills)
    db.session.execute(sa.insert(UserDiscipline), disciplines)
    db.session.execute(sa.insert(Affiliation), affiliations)
    start = date(2027, 6, 1)
    rows = []
    for n, a in enumerate(artist_ids):
        east = n % 2 == 0
        rows.append(dict(call_id=call.id, applicant_id=a, status=ApplicationStatus.ELIGIBLE, version=1,
                         pair_id=pair.id, origin_city_id=asia.id if east else europe.id,
                         direction="ea_to_eu" if east else "eu_to_ea", start_date=start,
                         end_date=start + timedelta(days=20), title=f"Project {n}", summary="", answers={},
                         summary_translations={}, languages=[rng.choice(LANGUAGES)],
                         discipline=rng.choice(DISCIPLINES), host_organisation=rng.choice(organisations),
                         host_contact_name="", host_email="", search_text="", reference=f"B-{n}",
                         submitted_at=now, created_at=now, updated_at=now))
    db.session.execute(sa.insert(Application), rows)
    cap = -(-applications * k * 13 // (10 * jurors))  # 30 % headroom over the average load
    db.session.execute(sa.insert(CallJuror), [{"call_id": call.id, "user_id": j, "max_load": cap} for j in juror_ids])
    db.session.commit()
    return call


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--jurors", type=int, default=300)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {}
        SERVER_NAME = "bench.invalid"

    app = create_app(BenchConfig)
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        call = populate(args.applications, args.jurors, args.k, args.seed)
        print(f"data: {args.applications} applications, {args.jurors} jurors, k={args.k} on "
              f"{db.engine.dialect.name} ({time.perf_counter() - started:.1f} s to load)")

        t0 = time.perf_counter()
        instance = build_instance(call)
        t1 = time.perf_counter()
        solution = solve(instance.problem)
        t2 = time.perf_counter()
        print(f"prepare instance (languages, conflicts, caps): {t1 - t0:6.2f} s")
        print(f"solve (min-cost flow, {int(instance.problem.eligible.sum()):,} eligible pairs): {t2 - t1:6.2f} s")
        print(f"objective: {solution.objective:,}   uncovered seats: {int(solution.uncovered.sum())}")

        manager = db.session.scalar(sa.select(User).limit(1))
        t3 = time.perf_counter()
        report = review.run_assignment(manager, call, accept_partial=True)
        db.session.commit()
        t4 = time.perf_counter()
        print(f"whole product path (prepare + solve + save {report.assigned:,} assignments + mail): {t4 - t3:6.2f} s")
        print(f"peak resident memory: {peak_rss_mb():.0f} MB")
        db.drop_all()


if __name__ == "__main__":
    main()
