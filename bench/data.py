"""A realistic programme at a chosen scale, loaded with bulk inserts on SQLite or PostgreSQL.

    .venv/bin/python bench/data.py                                   # 100,000 applications into a SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/data.py

The programme: three city pairs, one call per round (about 5,000 applications each): the oldest rounds
decided (reviews, panel decisions, grants, payments, final reports), one call in review (assignments,
reviews half done), two calls open (drafts and submissions). Applications are written in English,
Chinese, Japanese or Korean; jurors read one to three of those, belong to organisations (conflicts),
work in two disciplines and live on one side of a pair. Artists apply to several rounds.

Everyone signs in with PASSWORD; the people the page benchmark uses have fixed addresses:
manager@bench.invalid, juror@bench.invalid (in every jury, with assignments in the call in review),
artist@bench.invalid (an application in every call, a draft in each open call).

The calls themselves go through the services (rate table, rubric, texts in four languages); the bulk
rows (people, applications, assignments, reviews, grants…) are inserted in executemany batches.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from mobility.accounts import services as accounts  # noqa: E402
from mobility.accounts.enums import Discipline, Language, Level, Role  # noqa: E402
from mobility.accounts.models import Affiliation, LanguageSkill, User, UserDiscipline, UserRole  # noqa: E402
from mobility.accounts.passwords import hash_password  # noqa: E402
from mobility.accounts.services import organisation_key  # noqa: E402
from mobility.applications.enums import ApplicationStatus  # noqa: E402
from mobility.applications.models import Application  # noqa: E402
from mobility.awards.enums import GrantStatus  # noqa: E402
from mobility.awards.models import Grant, Payment, reference_key  # noqa: E402
from mobility.awards.services import breakdown_lines  # noqa: E402
from mobility.calls import services as calls  # noqa: E402
from mobility.calls.enums import CallKind, CallStatus  # noqa: E402
from mobility.calls.models import Call, CallBudget  # noqa: E402
from mobility.calls.rates import calculate  # noqa: E402
from mobility.cities import services as cities  # noqa: E402
from mobility.cities.enums import Direction  # noqa: E402
from mobility.cities.models import City, CityPair  # noqa: E402
from mobility.db import utcnow  # noqa: E402
from mobility.demo_calls import CALL_TEXTS, DEMO_PAIRS, ILLUSTRATIVE, _city  # noqa: E402
from mobility.extensions import db  # noqa: E402
from mobility.reports.enums import ReportStatus, Sector, TravelMode  # noqa: E402
from mobility.reports.models import FinalReport  # noqa: E402
from mobility.review.enums import AssignmentStatus, Decision, ReviewStatus  # noqa: E402
from mobility.review.models import Assignment, CallJuror, PanelDecision, Review  # noqa: E402

PASSWORD = "Bench-paired-cities-2026"
MANAGER, JUROR, ARTIST = "manager@bench.invalid", "juror@bench.invalid", "artist@bench.invalid"
LANGUAGES = [lang.value for lang in Language]
DISCIPLINES = list(Discipline)
ORGANISATIONS = [f"Organisation {n}" for n in range(400)]
PER_CALL = 5000
TRAVELLER = {"name": "Artist", "green_travel": False, "visa": False, "children": 0, "accessibility_days": 0,
             "accessibility_costs": "0"}
BATCH = 5000
# What became of the applications of a decided round, and how likely each outcome is.
DECIDED = ((ApplicationStatus.INELIGIBLE, 10), (ApplicationStatus.WITHDRAWN, 3), (ApplicationStatus.REJECTED, 57),
           (ApplicationStatus.WAITLISTED, 10), (ApplicationStatus.AWARDED, 20))
TITLES = {"en": "Tidal memory", "zh": "潮汐的记忆", "ja": "潮の記憶", "ko": "조수의 기억"}
SUMMARIES = {
    "en": "A dance piece between the shore and the factory, made with dancers of both cities.",
    "zh": "在海岸与工厂之间创作的舞蹈作品，由两座城市的舞者共同完成。",
    "ja": "海岸と工場のあいだで、両都市のダンサーとともにつくるダンス作品。",
    "ko": "해안과 공장 사이에서 두 도시의 무용수들과 함께 만드는 무용 작품.",
}


@dataclass
class Programme:
    """Ids and addresses the benchmarks need."""
    pair_ids: list[int]
    open_call_ids: list[int]
    review_call_id: int
    decided_call_ids: list[int]
    juror_ids: list[int]
    artist_ids: list[int]
    applications: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def call_ids(self) -> list[int]:
        return [*self.decided_call_ids, self.review_call_id, *self.open_call_ids]


def insert(model_or_table, rows: list[dict]) -> None:
    """executemany in batches (SQLAlchemy sends multi-row VALUES on PostgreSQL)."""
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model_or_table), rows[start:start + BATCH])


class Generator:
    """Builds the programme piece by piece; bench/assign.py uses the pieces for its own single call."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.now = utcnow()
        self.password_hash = hash_password(PASSWORD)  # one slow hash, shared: everyone can sign in
        self._people = 0

    # ---- places --------------------------------------------------------------------------------

    def pairs(self, count: int, actor: User) -> list[CityPair]:
        if db.session.scalar(sa.select(City).limit(1)) is None:
            cities.load_reference_cities()
        made = []
        for europe_key, east_asia_key, start, end in DEMO_PAIRS[:count]:
            europe, east_asia = _city(europe_key), _city(east_asia_key)
            made.append(cities.save_pair(actor, europe_city_id=europe.id, east_asia_city_id=east_asia.id,
                                         start_year=start, end_year=end, illustrative=True,
                                         description=ILLUSTRATIVE))
        return made

    # ---- people --------------------------------------------------------------------------------

    def people(self, count: int, role: Role, *, emails: list[str] = (), cities_by_side=None) -> list[int]:
        """`count` users with `role` (the first ones get `emails`); ids in creation order."""
        first = self._people
        self._people += count
        rows = []
        for n in range(count):
            east = n % 2 == 1
            city = self.rng.choice(cities_by_side[east]) if cities_by_side else None
            rows.append(dict(
                email=emails[n] if n < len(emails) else f"{role.value}{first + n}@bench.invalid",
                name=f"{role.value.title()} {first + n}", password_hash=self.password_hash,
                email_confirmed_at=self.now, locale=("en", "zh_Hans", "ja", "ko")[n % 4],
                timezone="Asia/Tokyo" if east else "Europe/Berlin", active=True, created_at=self.now,
                updated_at=self.now, home_city_id=city.id if city else None,
                country=city.country if city else ("JP" if east else "DE")))
        # The benchmark is the only writer: the new rows are the ones above the highest id so far.
        before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(User.id), 0)))
        insert(User, rows)
        ids = list(db.session.scalars(sa.select(User.id).where(User.id > before).order_by(User.id)))
        insert(UserRole, [{"user_id": u, "role": role, "granted_at": self.now} for u in ids])
        return ids

    def affiliations(self, user_ids: list[int]) -> None:
        rows = []
        for u in user_ids:
            org = self.rng.choice(ORGANISATIONS)
            rows.append({"user_id": u, "organisation": org, "organisation_key": organisation_key(org)})
        insert(Affiliation, rows)

    def juror_profiles(self, juror_ids: list[int]) -> None:
        """Languages read (one to three, English most often), two disciplines, one organisation."""
        skills, disciplines = [], []
        for j in juror_ids:
            for language in self.rng.sample(LANGUAGES, self.rng.choice((1, 2, 2, 3))):
                skills.append({"user_id": j, "language": Language(language), "reading": Level.FLUENT,
                               "writing": Level.WORKING})
            for discipline in self.rng.sample(DISCIPLINES, 2):
                disciplines.append({"user_id": j, "discipline": discipline})
        insert(LanguageSkill, skills)
        insert(UserDiscipline, disciplines)
        self.affiliations(juror_ids)

    # ---- calls ---------------------------------------------------------------------------------

    def office(self, manager: User) -> int:
        """The one programme of the benchmark, run by `manager`: its id."""
        if not manager.programmes:
            programme = accounts.create_programme(manager, "Benchmark programme")
            programme.managers.append(manager)
            db.session.flush()
            return programme.id
        return manager.programmes[0].id

    def call(self, actor: User, pairs: list[CityPair], n: int, *, opens: datetime, closes: datetime,
             status: CallStatus, kind: CallKind | None = None, k: int = 3, budget: Decimal = Decimal("60000")) -> Call:
        """A call through the services (default rate table and rubric), texts in the four UI languages."""
        call = calls.create_call(actor, programme_id=self.office(actor), kind=kind or list(CallKind)[n % 3],
                                 title_en=f"Round {n + 1}: residencies",
                                 pair_ids=[p.id for p in pairs], opens_local=opens.replace(tzinfo=None),
                                 closes_local=closes.replace(tzinfo=None), timezone="UTC")
        for locale in ("en", "zh_Hans", "ja", "ko"):
            texts = {name: value[locale] for name, value in CALL_TEXTS.items()}
            texts["title"] = f"{texts['title']} ({n + 1})"
            calls.update_texts(actor, call, locale, texts)
        call.status, call.published_at, call.reviewers_per_application = status, opens, k
        insert(CallBudget, [{"call_id": call.id, "pair_id": p.id, "direction": d, "amount": budget}
                            for p in pairs for d in Direction])
        db.session.flush()
        return call

    def applications(self, call: Call, applicant_ids: list[int], statuses: list[ApplicationStatus]) -> list[int]:
        """One application per applicant; returns their ids in the same order."""
        pairs = call.pairs
        start = (call.closes_at + timedelta(days=120)).date()
        rows = []
        for n, (applicant, status) in enumerate(zip(applicant_ids, statuses)):
            pair = pairs[n % len(pairs)]
            east = self.rng.random() < 0.5
            language = self.rng.choice(LANGUAGES)
            days = self.rng.randint(14, 60)
            first = start + timedelta(days=self.rng.randint(0, 90))
            title = f"{TITLES[language]} {n}"
            summary = SUMMARIES[language]
            translations = {"en": SUMMARIES["en"]} if language != "en" and self.rng.random() < 0.4 else {}
            host = self.rng.choice(ORGANISATIONS)
            submitted = status is not ApplicationStatus.DRAFT
            rows.append(dict(
                call_id=call.id, applicant_id=applicant, status=status, version=1, pair_id=pair.id,
                origin_city_id=pair.east_asia_city_id if east else pair.europe_city_id,
                direction=Direction.EAST_ASIA_TO_EUROPE if east else Direction.EUROPE_TO_EAST_ASIA, start_date=first,
                end_date=first + timedelta(days=days - 1), title=title, summary=summary,
                summary_translations=translations, languages=[language, *translations],
                discipline=self.rng.choice(DISCIPLINES), answers={}, host_organisation=host,
                host_contact_name="Host contact", host_email="host@bench.invalid",
                host_confirmed_at=self.now if submitted else None,
                search_text="\n".join([title, summary, *translations.values(), host]).lower(),
                reference=f"B{call.id:03d}-{n:06d}" if submitted else None,
                submitted_at=call.opens_at + timedelta(days=1) if submitted else None,
                screened_at=self.now if status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED) else None,
                created_at=call.opens_at, updated_at=call.opens_at))
        insert(Application, rows)
        by_applicant = dict(db.session.execute(sa.select(Application.applicant_id, Application.id)
                                               .where(Application.call_id == call.id)).all())
        return [by_applicant[a] for a in applicant_ids]

    def pool(self, call: Call, juror_ids: list[int], max_load: int) -> None:
        insert(CallJuror, [{"call_id": call.id, "user_id": j, "max_load": max_load} for j in juror_ids])

    def reviews(self, call: Call, application_ids: list[int], juror_ids: list[int], *, done: float,
                first_juror: int | None = None) -> int:
        """k distinct jurors per application; a share `done` of the reviews submitted, the rest drafts or unread.

        `first_juror` gets a fair share of every call's work (the page benchmark signs in as them)."""
        k = call.reviewers_per_application
        criteria = [str(c.id) for c in call.criteria]
        scale = [str(Decimal(s) / 2) for s in range(0, 11)]
        assignments = []
        for n, application in enumerate(application_ids):
            jurors = self.rng.sample(juror_ids, k)
            if first_juror is not None and n % max(len(juror_ids) // k, 1) == 0 and first_juror not in jurors:
                jurors[0] = first_juror
            for juror in jurors:
                state = self.rng.random()
                assignments.append(dict(call_id=call.id, application_id=application, juror_id=juror,
                                        status=AssignmentStatus.ACCEPTED if state < done + 0.1
                                        else AssignmentStatus.ASSIGNED,
                                        declared_at=self.now if state < done + 0.1 else None,
                                        created_at=self.now, updated_at=self.now, _state=state))
        states = [a.pop("_state") for a in assignments]
        insert(Assignment, assignments)
        ids = dict(((a, j), i) for i, a, j in db.session.execute(
            sa.select(Assignment.id, Assignment.application_id, Assignment.juror_id)
            .where(Assignment.call_id == call.id)))
        reviews = []
        for row, state in zip(assignments, states):
            if state >= done + 0.1:
                continue
            submitted = state < done
            reviews.append(dict(assignment_id=ids[(row["application_id"], row["juror_id"])],
                                status=ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT,
                                scores={c: self.rng.choice(scale) for c in criteria},
                                comments={c: "Clear, well prepared." for c in criteria},
                                overall_comment="A strong exchange between the two cities.", comment_language="en",
                                submitted_at=self.now if submitted else None, created_at=self.now,
                                updated_at=self.now))
        insert(Review, reviews)
        return len(assignments)

    def decisions(self, call: Call, application_ids: list[int], statuses: list[ApplicationStatus],
                  manager_id: int) -> None:
        decision = {ApplicationStatus.AWARDED: Decision.AWARD, ApplicationStatus.WAITLISTED: Decision.WAITLIST,
                    ApplicationStatus.REJECTED: Decision.REJECT}
        insert(PanelDecision, [dict(application_id=a, decision=decision[s], reason="", decided_by_id=manager_id,
                                    decided_at=call.closes_at + timedelta(days=45),
                                    letter_sent_at=call.closes_at + timedelta(days=46))
                               for a, s in zip(application_ids, statuses) if s in decision])

    def grants(self, call: Call, application_ids: list[int], statuses: list[ApplicationStatus],
               *, reports: float) -> tuple[int, int]:
        """Grants for the awarded, computed by the product's calculator; payments; final reports."""
        awarded = {a for a, s in zip(application_ids, statuses) if s is ApplicationStatus.AWARDED}
        apps = db.session.execute(sa.select(Application.id, Application.pair_id, Application.direction,
                                            Application.origin_city_id, Application.start_date,
                                            Application.end_date).where(Application.id.in_(awarded))).all()
        city_by_id = {c.id: c for p in call.pairs for c in (p.europe_city, p.east_asia_city)}
        pair_by_id = {p.id: p for p in call.pairs}
        # The grants were made when the panel's letters went out and answered a few days later, not "now": a
        # report's stay cannot start before its grant was made (reports.services.save_report).
        made = call.closes_at + timedelta(days=46)
        answered = made + timedelta(days=4)
        today = self.now.date()
        rows = []
        for application_id, pair_id, direction, origin_id, first, last in apps:
            pair = pair_by_id[pair_id]
            host_id = pair.europe_city_id if origin_id == pair.east_asia_city_id else pair.east_asia_city_id
            days = (last - first).days + 1
            breakdown = calculate(call, city_by_id[origin_id], city_by_id[host_id], days)
            state = self.rng.random()
            status = GrantStatus.ACCEPTED if state < 0.88 else GrantStatus.DECLINED if state < 0.95 \
                else GrantStatus.OFFERED
            rows.append(dict(application_id=application_id, call_id=call.id, pair_id=pair_id, direction=direction,
                             status=status, amount=breakdown.total, currency="EUR",
                             distance_km=breakdown.distance_km, days=days, start_date=first, end_date=last,
                             travellers=[TRAVELLER], breakdown=breakdown_lines(breakdown),
                             accepted_at=answered if status is GrantStatus.ACCEPTED else None,
                             accepted_name="Artist" if status is GrantStatus.ACCEPTED else None,
                             declined_at=answered if status is GrantStatus.DECLINED else None,
                             created_at=made, updated_at=answered if status is not GrantStatus.OFFERED else made))
        insert(Grant, rows)
        accepted = db.session.execute(sa.select(Grant.id, Grant.amount, Grant.start_date, Grant.end_date)
                                      .where(Grant.call_id == call.id,
                                             Grant.status == GrantStatus.ACCEPTED)).all()
        payments, finals = [], []
        sectors = [s.value for s in Sector]
        for grant_id, amount, first, last in accepted:
            first_share = (amount * Decimal("0.70")).quantize(Decimal("0.01"))
            payments.append(dict(grant_id=grant_id, instalment=1, amount=first_share, reference=f"P-{grant_id}-1",
                                 paid_on=first - timedelta(days=20), created_at=self.now))
            # A report is written after the stay: only a stay that is over has one (submitted since).
            if last < today and self.rng.random() < reports:
                approved = self.rng.random() < 0.85
                submitted_at = min(datetime.combine(last, datetime.min.time(), tzinfo=self.now.tzinfo)
                                   + timedelta(days=self.rng.randint(5, 25)), self.now)
                finals.append(dict(grant_id=grant_id, status=ReportStatus.APPROVED if approved
                                   else ReportStatus.SUBMITTED, version=1, actual_start=first, actual_end=last,
                                   activities="Workshops and an open studio.",
                                   co_creations="A joint piece." if self.rng.random() < 0.6 else "",
                                   audience=self.rng.randint(20, 800), partners="Host organisation",
                                   sectors=self.rng.sample(sectors, 2), travel_mode=self.rng.choice(list(TravelMode)),
                                   public_summary="Two months of shared work.", submitted_at=submitted_at,
                                   approved_at=submitted_at if approved else None,
                                   created_at=submitted_at, updated_at=submitted_at))
                if approved:
                    payments.append(dict(grant_id=grant_id, instalment=2, amount=amount - first_share,
                                         reference=f"P-{grant_id}-2", paid_on=min(last + timedelta(days=30), today),
                                         created_at=self.now))
        for payment in payments:  # what the model sets itself (bulk rows bypass it): the bank reference's key
            payment["reference_key"] = reference_key(payment["reference"])
        insert(Payment, payments)
        insert(FinalReport, finals)
        if finals:  # as reports.services.submit_report does: the call's report questions freeze
            db.session.execute(sa.update(Call).where(Call.id == call.id).values(first_report_submitted_at=self.now))
        return len(rows), len(finals)


def generate(applications: int = 100_000, jurors: int = 500, pairs: int = 3, seed: int = 1) -> Programme:
    """The whole programme; the caller commits. Needs an app context and a request context (audit)."""
    gen = Generator(seed)
    rng = gen.rng
    rounds = max(4, round(applications / PER_CALL))
    sizes = [applications // rounds + (1 if n < applications % rounds else 0) for n in range(rounds)]

    [manager_id] = gen.people(1, Role.MANAGER, emails=[MANAGER])
    gen.people(1, Role.ADMIN, emails=["admin@bench.invalid"])
    manager = db.session.get(User, manager_id)
    city_pairs = gen.pairs(pairs, manager)
    sides = ([p.europe_city for p in city_pairs], [p.east_asia_city for p in city_pairs])
    juror_ids = gen.people(jurors, Role.JUROR, emails=[JUROR], cities_by_side=sides)
    gen.juror_profiles(juror_ids)
    # Artists apply to about four rounds each over the years.
    artist_ids = gen.people(max(applications // 4, max(sizes)), Role.APPLICANT, emails=[ARTIST],
                            cities_by_side=sides)
    gen.affiliations(artist_ids)

    programme = Programme(pair_ids=[p.id for p in city_pairs], open_call_ids=[], review_call_id=0,
                          decided_call_ids=[], juror_ids=juror_ids, artist_ids=artist_ids, applications=applications)
    counts = programme.counts
    today = gen.now.replace(hour=12, minute=0, second=0, microsecond=0)
    for n, size in enumerate(sizes):
        age = rounds - 1 - n                      # 0 and 1: open; 2: in review; older: decided
        closes = today + timedelta(days=45) - timedelta(days=120 * (age - 1)) if age >= 2 \
            else today + timedelta(days=30 + 30 * age)
        opens = closes - timedelta(days=75)
        status = CallStatus.PUBLISHED if age < 2 else CallStatus.CLOSED
        # The kind by the round's age: the open, in-review and decided rounds are of the same kinds whatever
        # the programme's size (a co-creation's pages also show its team).
        call = gen.call(manager, city_pairs, n, opens=opens, closes=closes, status=status,
                        kind=list(CallKind)[age % 3])
        applicants = [artist_ids[0]] + rng.sample(artist_ids[1:], size - 1)
        if age < 2:
            statuses = [ApplicationStatus.DRAFT] + [ApplicationStatus.DRAFT if rng.random() < 0.3
                                                   else ApplicationStatus.SUBMITTED for _ in range(size - 1)]
        elif age == 2:
            statuses = [ApplicationStatus.INELIGIBLE if rng.random() < 0.1 else ApplicationStatus.IN_REVIEW
                        for _ in range(size)]
            statuses[0] = ApplicationStatus.IN_REVIEW
        else:
            outcomes, weights = zip(*DECIDED)
            statuses = rng.choices(outcomes, weights, k=size)
        ids = gen.applications(call, applicants, statuses)
        counts["applications"] = counts.get("applications", 0) + len(ids)
        if age >= 2:
            gen.pool(call, juror_ids, max_load=-(-size * 3 * 13 // (10 * len(juror_ids))))
            reviewed = [a for a, s in zip(ids, statuses)
                        if s not in (ApplicationStatus.INELIGIBLE, ApplicationStatus.WITHDRAWN)]
            counts["assignments"] = counts.get("assignments", 0) + gen.reviews(
                call, reviewed, juror_ids, done=0.5 if age == 2 else 0.9, first_juror=juror_ids[0])
        if age >= 3:
            gen.decisions(call, ids, statuses, manager_id)
            grants, reports = gen.grants(call, ids, statuses, reports=0.7 if age >= 4 else 0.2)
            counts["grants"] = counts.get("grants", 0) + grants
            counts["reports"] = counts.get("reports", 0) + reports
            call.panel_locked_at = call.closes_at + timedelta(days=44)
            programme.decided_call_ids.append(call.id)
        elif age == 2:
            programme.review_call_id = call.id
        else:
            programme.open_call_ids.append(call.id)
    db.session.flush()
    return programme


def page_urls() -> dict[str, tuple[str | None, str]]:
    """{page: (who signs in, path)}: the pages that matter, on a programme made by generate()."""
    review_call = db.session.scalar(sa.select(Call.id).where(Call.status == CallStatus.CLOSED,
                                                             Call.panel_locked_at.is_(None)))
    artist, juror = (db.session.scalar(sa.select(User.id).where(User.email == e)) for e in (ARTIST, JUROR))
    draft = db.session.scalar(sa.select(Application.id).where(
        Application.applicant_id == artist, Application.status == ApplicationStatus.DRAFT).limit(1))
    assignment = db.session.scalar(sa.select(Assignment.id).where(
        Assignment.call_id == review_call, Assignment.juror_id == juror,
        Assignment.status == AssignmentStatus.ACCEPTED).order_by(Assignment.id).limit(1))
    return {
        "call list": (None, "/calls/"),
        "artist dashboard": (ARTIST, "/my/applications"),
        "application form": (ARTIST, f"/applications/{draft}/edit"),
        "juror list": (JUROR, "/review/"),
        "review page": (JUROR, f"/review/assignments/{assignment}"),
        "application list": (MANAGER, f"/manage/calls/{review_call}/applications"),
        "application list 250": (MANAGER, f"/manage/calls/{review_call}/applications?per_page=250"),
        "ranking": (MANAGER, f"/manage/calls/{review_call}/ranking"),
        "dashboard": (MANAGER, "/manage/dashboard"),
        "outcomes": (MANAGER, "/manage/outcomes"),
        "figure list": (MANAGER, "/manage/dashboard/co2"),
        "pair page": (None, f"/pairs/{db.session.scalar(sa.select(sa.func.min(CityPair.id)))}"),
        "report desk 250": (MANAGER, "/manage/reports?per_page=250"),
    }


def autosave_drafts(count: int, besides: str) -> list[tuple[str, int]]:
    """[(artist's e-mail, draft id)]: `count` drafts of distinct artists in an open call other than the one of
    the page `besides` (an edit page's path), for the background autosave load of bench/pages.py."""
    driven = int(besides.rstrip("/").split("/")[-2])
    driven_call = db.session.scalar(sa.select(Application.call_id).where(Application.id == driven))
    other = db.session.scalar(sa.select(Call.id).where(Call.status == CallStatus.PUBLISHED, Call.id != driven_call)
                              .order_by(Call.id).limit(1))
    first = (sa.select(Application.applicant_id, sa.func.min(Application.id).label("draft"))
             .where(Application.call_id == other, Application.status == ApplicationStatus.DRAFT)
             .group_by(Application.applicant_id).order_by(Application.applicant_id).limit(count).subquery())
    return [(email, draft) for email, draft in db.session.execute(
        sa.select(User.email, first.c.draft).join(first, first.c.applicant_id == User.id))]


def bench_app(url: str | None = None):
    """The app on DATABASE_URL (or a temporary SQLite file), with a testing configuration."""
    from config import TestingConfig
    from mobility import create_app

    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {}
        SERVER_NAME = "bench.invalid"

    return create_app(BenchConfig)


def analyze() -> None:
    """The freshly loaded tables as autovacuum leaves them after a while: planner statistics and, on
    PostgreSQL, the visibility map (without it no index-only scan, and counts read the whole table)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))  # VACUUM cannot run inside a transaction
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def fresh_schema() -> None:
    """Drop and create every table (the benchmark databases hold nothing else)."""
    db.drop_all()
    db.create_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--jurors", type=int, default=500)
    parser.add_argument("--pairs", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    app = bench_app()
    with app.app_context(), app.test_request_context():
        fresh_schema()
        t0 = time.perf_counter()
        programme = generate(args.applications, args.jurors, args.pairs, args.seed)
        analyze()
        print(f"{db.engine.url.render_as_string(hide_password=True)}: {programme.counts} "
              f"in {len(programme.call_ids)} calls, loaded in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
