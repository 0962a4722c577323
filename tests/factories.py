"""Objects for tests, made through the services so that they obey the same rules as real ones."""
from __future__ import annotations

import itertools

from mobility.accounts import services
from mobility.accounts.enums import Role
from mobility.extensions import db

PASSWORD = "correct horse battery staple"
# Every test manager runs this programme unless told otherwise, so any of them can act on any test call.
TEST_PROGRAMME = "Test programme"
_counter = itertools.count(1)


def make_programme(name: str = TEST_PROGRAMME, *, managers=()):
    """The programme called `name` (made if needed), with `managers` among its managers."""
    from sqlalchemy import select

    from mobility.accounts.models import Programme

    programme = db.session.scalar(select(Programme).where(Programme.name == name))
    if programme is None:
        programme = services.create_programme(None, name)
    for manager in managers:
        if manager not in programme.managers:
            programme.managers.append(manager)
    db.session.commit()
    return programme


def make_user(*roles: str, name: str | None = None, email: str | None = None, locale: str = "en",
              timezone: str = "Europe/Berlin", confirmed: bool = True, password: str = PASSWORD,
              programme: str | None = TEST_PROGRAMME):
    """A user; a manager joins the programme named `programme` (None: no programme at all)."""
    n = next(_counter)
    user = services.create_user(
        name=name or f"Test User {n}",
        email=email or f"user{n}@example.org",
        password=password,
        locale=locale,
        timezone=timezone,
        roles=[Role(r) for r in roles] or [Role.APPLICANT],
        confirmed=confirmed,
    )
    db.session.commit()
    if Role.MANAGER in user.roles and programme is not None:
        make_programme(programme, managers=[user])
    return user


def make_pair(europe: str = "Chemnitz", east_asia: str = "Kamakura", *, actor=None, illustrative: bool = True):
    """The pair of two reference cities, made if needed (the reference list is loaded if needed)."""
    from sqlalchemy import select

    from mobility.cities.models import City, CityPair
    from mobility.cities.services import load_reference_cities, save_pair

    if db.session.scalar(select(City).limit(1)) is None:
        load_reference_cities()
    europe_city = db.session.scalar(select(City).where(City.name_en == europe))
    east_asia_city = db.session.scalar(select(City).where(City.name_en == east_asia))
    existing = db.session.scalar(select(CityPair).where(CityPair.europe_city_id == europe_city.id,
                                                        CityPair.east_asia_city_id == east_asia_city.id))
    if existing is not None:
        return existing
    pair = save_pair(actor or make_user("manager"), europe_city_id=europe_city.id,
                     east_asia_city_id=east_asia_city.id, start_year=2025, end_year=2027,
                     illustrative=illustrative, description={"en": "A test pair."})
    db.session.commit()
    return pair


def make_call(*, actor=None, pairs=None, kind=None, title: str = "Test call", opens_in_days: int = -1,
              closes_in_days: int = 30, timezone: str = "Europe/Berlin", publish: bool = False, texts=None,
              programme=None):
    """A call opening and closing relative to now (wall-clock in `timezone`), of `programme` (default: the
    actor's first programme, else the test programme)."""
    from datetime import timedelta

    from mobility.calls import services as calls
    from mobility.calls.enums import CallKind, CallStatus
    from mobility.db import utcnow
    from mobility.i18n.locales import utc_to_local

    actor = actor or make_user("manager")
    pairs = pairs or [make_pair(actor=actor)]
    now_local = utc_to_local(utcnow(), timezone).replace(microsecond=0)
    programme = programme or (actor.programmes[0] if actor.programmes else make_programme())
    call = calls.create_call(actor, programme_id=programme.id, kind=kind or CallKind.RESIDENCY, title_en=title,
                             pair_ids=[p.id for p in pairs],
                             opens_local=now_local + timedelta(days=opens_in_days),
                             closes_local=now_local + timedelta(days=closes_in_days), timezone=timezone)
    for locale, values in (texts or {"en": {"title": title, "summary": "A summary.", "body": "The full text."}}
                           ).items():
        calls.update_texts(actor, call, locale, values)
    if publish:
        calls.set_call_status(actor, call, CallStatus.PUBLISHED)
    db.session.commit()
    return call


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_with_metadata(author: str) -> bytes:
    """A one-page PDF whose document information and XMP name `author` (as a word processor writes them)."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    for key in ("/Author", "/Title", "/Subject", "/Keywords", "/Creator", "/Producer"):
        pdf.docinfo[key] = f"{author} {key[1:]}"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [author]
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def jpeg_with_exif(artist: str) -> bytes:
    """A small JPEG whose EXIF names `artist` and carries a GPS position."""
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = artist
    exif[0x8825] = {1: "N", 2: (35.0, 19.0, 0.0), 3: "E", 4: (139.0, 33.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "teal").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


MINIMAL_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def make_application(*, call=None, applicant=None, complete: bool = True, **overrides):
    """A draft for `call` (a fresh open call by default), filled in enough to submit when `complete`."""
    from datetime import timedelta

    from mobility.applications import services as applications
    from mobility.db import utcnow

    call = call or make_call(publish=True)
    applicant = applicant or make_user("applicant")
    application = applications.start_application(applicant, call)
    if complete:
        pair = call.pairs[0]
        start = (utcnow() + timedelta(days=60)).date()
        data = applications.DraftData(
            title="Tidal memory", summary="A dance piece between the shore and the factory.", languages=["en"],
            discipline="dance", pair_id=pair.id, origin_city_id=pair.east_asia_city_id, start_date=start,
            end_date=start + timedelta(days=29), host_organisation="Atomino", host_email="host@example.de")
        for name, value in overrides.items():
            setattr(data, name, value)
        applications.save_draft(applicant, application, application.version, data)
    db.session.commit()
    return application


def draft_data(application, **changes):
    """The application's draft as the form would send it again, with `changes` (DraftData field=value)."""
    from mobility.applications import services as applications

    data = applications.DraftData(
        title=application.title, summary=application.summary, languages=list(application.languages),
        discipline=application.discipline.value if application.discipline else None, pair_id=application.pair_id,
        origin_city_id=application.origin_city_id, start_date=application.start_date,
        end_date=application.end_date, host_organisation=application.host_organisation,
        host_contact_name=application.host_contact_name, host_email=application.host_email,
        answers=dict(application.answers))
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def make_juror(*, reads=("en",), city: str = "Chemnitz", organisation: str | None = None, name=None, email=None,
               locale: str = "en", disciplines=()):
    """A juror who reads `reads` (fluently) and lives in a reference city (which fixes their side)."""
    from sqlalchemy import select

    from mobility.accounts.enums import Discipline, Language, Level
    from mobility.cities.models import City
    from mobility.cities.services import load_reference_cities

    if db.session.scalar(select(City).limit(1)) is None:
        load_reference_cities()
    juror = make_user("juror", name=name, email=email, locale=locale)
    home = db.session.scalar(select(City).where(City.name_en == city))
    services.update_profile(
        juror, name=juror.name, locale=locale, timezone=juror.timezone, country=home.country, home_city_id=home.id,
        skills={Language(code): (Level.FLUENT, Level.WORKING) for code in reads},
        disciplines=[Discipline(d) for d in disciplines], affiliations=[organisation] if organisation else [])
    db.session.commit()
    return juror


def make_reviewable_call(*, jurors=(), k: int = 2, blind: bool = False, applications: int = 2, **call_options):
    """A published call with screened (eligible) applications and a jury pool."""
    from mobility.applications import services as application_services
    from mobility.review import services as review

    manager = make_user("manager")
    call = make_call(actor=manager, publish=True, **call_options)
    call.reviewers_per_application = k
    call.blind_review = blind
    made = []
    for n in range(applications):
        application = make_application(call=call, title=f"Project {n + 1}")
        application_services.submit_application(application.applicant, application)
        db.session.flush()
        application_services.screen_application(manager, application, eligible=True, reason=None, note=None)
        made.append(application)
    for juror in jurors:
        review.add_juror(manager, call, juror, 10)
    db.session.commit()
    return manager, call, made


def make_awardable(*, budget="10000", applications: int = 1, k: int = 1, **options):
    """A call in the panel phase with applications reviewed and a budget per direction (EUR)."""
    from decimal import Decimal

    from mobility.calls import services as calls
    from mobility.cities.enums import Direction
    from mobility.review import services as review
    from mobility.review.enums import PhaseKind

    jurors = [make_juror(city="Chemnitz")] if k == 1 else [make_juror(city="Chemnitz"), make_juror(city="Nara")]
    manager, call, made = make_reviewable_call(jurors=jurors, k=k, applications=applications, **options)
    pair = call.pairs[0]
    calls.set_budgets(manager, call, {(pair.id, d): Decimal(budget) for d in Direction})
    review.run_assignment(manager, call, accept_partial=True)
    review.move_to_phase(manager, call, PhaseKind.PANEL)
    db.session.commit()
    return manager, call, made


def make_api_token(user=None, scope: str = "read", name: str = "Finance system"):
    """A personal API token (model, secret) for `user` (a new manager by default)."""
    from mobility.api import services as api_tokens
    from mobility.api.enums import TokenScope

    user = user or make_user("manager")
    token, secret = api_tokens.create_token(user, name=name, scope=TokenScope(scope))
    db.session.commit()
    return token, secret


def make_accepted_grant(**options):
    """An awarded application whose grantee has accepted the grant (the first instalment is due)."""
    from mobility.awards import services as awards

    manager, call, (application,) = make_awardable(**options)
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Suzuki Hanako")
    db.session.commit()
    return manager, call, application, grant


def make_api_office(*, juror_name: str | None = None):
    """What the API's write operations act on: an accepted grant with its first instalment due, a submitted
    application to screen, a juror to import, and the manager's read-write token (model, secret)."""
    from types import SimpleNamespace

    from mobility.applications import services as applications

    manager, call, application, grant = make_accepted_grant()
    submitted = make_application(call=call, title="To screen")
    applications.submit_application(submitted.applicant, submitted)
    juror = make_juror(city="Nara", email="pool.juror@example.org", name=juror_name)
    _token, secret = make_api_token(manager, "read_write")
    db.session.commit()
    return SimpleNamespace(manager=manager, call=call, application=application, grant=grant,
                           submitted=submitted, juror=juror, secret=secret)


def make_lowered_grant(*, pay_first: bool = True, report_days: int = 10, **options):
    """Issue 18's grant: €2,075 for 15 days, accepted, the first instalment (70 %, €1,452.50) paid, then the
    final report of a `report_days`-day stay approved (10 days: the grant is lowered to €1,650).
    Returns (manager, grant)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from mobility.awards import services as awards
    from mobility.reports import services as reports

    manager, call, (application,) = make_awardable(**options)
    application.end_date = application.start_date + timedelta(days=14)
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Wang Fang")
    grant.created_at -= timedelta(days=60)  # awarded two months ago: the stay is over
    if pay_first:
        awards.record_payment(manager, grant, instalment=1, amount=Decimal("1452.50"), reference="SEPA-1",
                              paid_on=date.today())
    report = reports.report_for(grant)
    today = date.today()
    reports.save_report(application.applicant, report, reports.ReportData(
        actual_start=today - timedelta(days=report_days - 1), actual_end=today, activities="Workshops.",
        audience=40, sectors=["creative"], travel_mode="train", public_summary="A short stay.", language="en"))
    reports.submit_report(application.applicant, report)
    reports.approve_report(manager, report, unconfirmed_stay_ok=True)  # the host is not the point here
    db.session.commit()
    return manager, grant
