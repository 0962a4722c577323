"""Demo data: the reference cities, one confirmed user per role, three illustrative pairs and a whole
programme (a decided round, a round in review, an open round: mobility/demo_programme.py). Safe to load twice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from mobility.accounts import services as accounts
from mobility.accounts.enums import Discipline, Language, Level, Role
from mobility.accounts.models import Programme
from mobility.accounts.passwords import hash_password
from mobility.cities.models import City
from mobility.cities.services import load_reference_cities
from mobility.core.models import MailStatus, OutboxMessage
from mobility.db import utcnow
from mobility.demo_calls import load_demo_pairs, load_demo_rounds
from mobility.demo_programme import PROGRAMME_AGE_DAYS, on
from mobility.extensions import db

DEMO_PASSWORD = "Paired-cities-2026"


@dataclass(frozen=True)
class DemoUser:
    role: Role
    name: str
    email: str
    locale: str
    timezone: str
    languages: dict
    disciplines: tuple
    affiliations: tuple
    home_city: tuple | None = None  # (programme, year, English name) of a reference city


DEMO_PROGRAMME = "ECoC ⇄ CCEA artist mobility"

DEMO_USERS = (
    DemoUser(Role.ADMIN, "Mobility Admin", "admin@mobility.example.org", "en", "Europe/Brussels",
             {Language.EN: (Level.FLUENT, Level.FLUENT)}, (), ("Mobility programme office",)),
    DemoUser(Role.MANAGER, "Anna Schmidt", "manager@mobility.example.org", "en", "Europe/Berlin",
             {Language.EN: (Level.FLUENT, Level.FLUENT), Language.JA: (Level.BASIC, None)},
             (Discipline.CURATING,), ("Kulturhauptstadt Europas Chemnitz 2025 gGmbH",)),
    DemoUser(Role.JUROR, "김지원 (Kim Ji-won)", "juror@mobility.example.org", "ko", "Asia/Seoul",
             {Language.KO: (Level.NATIVE, Level.NATIVE), Language.EN: (Level.FLUENT, Level.WORKING),
              Language.JA: (Level.WORKING, Level.BASIC)},
             (Discipline.VISUAL_ARTS, Discipline.DIGITAL_ARTS), ("Andong Cultural Foundation",),
             ("CCEA", 2026, "Andong")),
    DemoUser(Role.APPLICANT, "鈴木 花子 (Suzuki Hanako)", "artist@mobility.example.org", "ja", "Asia/Tokyo",
             {Language.JA: (Level.NATIVE, Level.NATIVE), Language.EN: (Level.WORKING, Level.WORKING)},
             (Discipline.DANCE, Discipline.PERFORMING_ARTS), ()),
)


def load_demo(*, programme: bool = True) -> list[DemoUser]:
    """Add what is missing; returns the demo users that were created this time. Without `programme`: the
    cities, the demo users and the pairs only (tests that need no calls; the whole programme takes seconds)."""
    today = utcnow().date()
    # The office, its people and its pairs were set up before the programme's first round opened.
    with on(today - timedelta(days=PROGRAMME_AGE_DAYS)):
        load_reference_cities()
        created = []
        password_hash = None  # one hash for every demo user: each takes about a second
        for demo in DEMO_USERS:
            if accounts.find_user_by_email(demo.email) is not None:
                continue
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            roles = {Role.APPLICANT, demo.role} if demo.role is Role.APPLICANT else {demo.role}
            user = accounts.create_user(name=demo.name, email=demo.email, password=DEMO_PASSWORD, locale=demo.locale,
                                        timezone=demo.timezone, roles=roles, confirmed=True, password_hash=password_hash)
            home = _city(demo.home_city) if demo.home_city else None
            accounts.update_profile(
                user, name=demo.name, locale=demo.locale, timezone=demo.timezone,
                country=home.country if home else None, home_city_id=home.id if home else None,
                skills=demo.languages, disciplines=demo.disciplines, affiliations=demo.affiliations,
            )
            created.append(demo)
        db.session.flush()
        manager = accounts.find_user_by_email(next(d.email for d in DEMO_USERS if d.role is Role.MANAGER))
        juror = accounts.find_user_by_email(next(d.email for d in DEMO_USERS if d.role is Role.JUROR))
        admin = accounts.find_user_by_email(next(d.email for d in DEMO_USERS if d.role is Role.ADMIN))
        artist = accounts.find_user_by_email(next(d.email for d in DEMO_USERS if d.role is Role.APPLICANT))
        assert manager is not None and admin is not None and juror is not None and artist is not None
        # The demo manager runs the demo programme; a second office could share the installation beside it.
        office = db.session.scalar(select(Programme).where(Programme.name == DEMO_PROGRAMME)) \
            or accounts.create_programme(admin, DEMO_PROGRAMME)
        accounts.add_programme_manager(admin, office, manager.email)
        pairs = load_demo_pairs(manager)
    if programme:
        first_message = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        load_demo_rounds(manager, juror, artist, office, pairs, DEMO_PASSWORD, password_hash)
        _history_sent(first_message)
    return created


def _history_sent(after_id: int) -> None:
    """The mail of the programme's past went out then: the demo's people are fictional (example.org), so the
    outbox keeps each message the load wrote as sent at the moment it was written, and delivers none now
    (a first `make run` would otherwise print some three hundred mails)."""
    db.session.flush()
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > after_id,
                                                                  OutboxMessage.status == MailStatus.QUEUED)):
        message.status, message.sent_at = MailStatus.SENT, message.created_at
    db.session.flush()


def _city(key: tuple) -> City | None:
    programme, year, name = key
    return db.session.scalar(select(City).where(City.programme == programme, City.title_year == year,
                                                City.name_en == name))
