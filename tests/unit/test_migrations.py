"""Alembic and the models agree, and upgrade → downgrade → upgrade works on a populated database."""
from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from mobility import create_app
from mobility.demo import load_demo
from mobility.extensions import db
from tests.conftest import Config
from tests.databases import empty_database, table_digests


@pytest.fixture
def migration_app(tmp_path):
    with empty_database(tmp_path) as url:
        class MigrationConfig(Config):
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = {}
        app = create_app(MigrationConfig)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def _diff():
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)


def _counts() -> dict[str, int]:
    counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    db.session.rollback()  # release the read locks before Alembic drops tables (PostgreSQL waits otherwise)
    return counts


def test_migrations_match_the_models(migration_app):
    upgrade()
    assert _diff() == []


def test_upgrade_downgrade_upgrade_on_a_populated_database(migration_app):
    upgrade()
    with migration_app.test_request_context():
        load_demo(programme=False)
    db.session.commit()
    before = _counts()
    assert before["user"] == 4 and before["city"] > 60
    downgrade(revision="base")
    assert sa.inspect(db.engine).get_table_names() in ([], ["alembic_version"])
    upgrade()
    with migration_app.test_request_context():
        load_demo(programme=False)
    db.session.commit()
    assert _counts() == before
    assert _diff() == []


APPLICATIONS_REVISION = "15db06c1a02f"
BEFORE_PROGRAMMES = "808eac93f3cd"  # the revision that creates applications: later ones are undone and redone


def _populate_applications(n: int) -> None:
    """`n` submitted applications (with Chinese, Japanese and Korean text), by bulk insert: only rows that every
    later revision must carry through unchanged."""
    from datetime import date, datetime, timedelta, timezone
    from decimal import Decimal

    from mobility.accounts.models import Programme, User
    from mobility.applications.models import Application
    from mobility.calls.models import Call, call_pair
    from mobility.cities.models import City, CityPair
    from mobility.cities.services import load_reference_cities

    load_reference_cities()
    europe = db.session.scalar(sa.select(City).where(City.name_en == "Chemnitz"))
    asia = db.session.scalar(sa.select(City).where(City.name_en == "Kamakura"))
    pair = CityPair(europe_city_id=europe.id, east_asia_city_id=asia.id, start_year=2025, end_year=2027,
                    illustrative=True, description={"en": "Pair", "ja": "ペア"})
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    # As the programmes revision makes it for an installation that had calls before programmes.
    programme = Programme(name="Programme office", created_at=now - timedelta(days=90),
                          updated_at=now - timedelta(days=90))
    db.session.add(programme)
    db.session.flush()
    call = Call(programme_id=programme.id, created_at=now - timedelta(days=90), updated_at=now - timedelta(days=90),
                kind="residency", status="closed", title={"en": "Call", "zh_Hans": "征集"}, required_texts=[],
                required_locales=["en"], directions=["eu_to_ea", "ea_to_eu"], accepted_languages=["en", "ja"],
                opens_at=now - timedelta(days=60), closes_at=now, timezone="Europe/Berlin",
                daily_allowance=Decimal("85.00"), green_travel_topup=Decimal("400.00"), visa_topup=Decimal("120.00"),
                family_topup_per_child=Decimal("200.00"), accessibility_topup_per_day=Decimal("30.00"))
    db.session.add_all([pair, call])
    db.session.flush()
    db.session.execute(call_pair.insert().values(call_id=call.id, pair_id=pair.id))
    db.session.execute(sa.insert(User), [
        {"email": f"artist{i}@example.org", "name": f"艺术家 {i}", "password_hash": "argon2-placeholder",
         "locale": ("zh_Hans", "ja", "ko", "en")[i % 4]} for i in range(n)])
    ids = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
    db.session.execute(sa.insert(Application), [
        {"call_id": call.id, "applicant_id": user_id, "status": "submitted", "pair_id": pair.id,
         "origin_city_id": europe.id if i % 2 else asia.id, "direction": "eu_to_ea" if i % 2 else "ea_to_eu",
         "start_date": date(2027, 3, 1), "end_date": date(2027, 4, 12), "title": f"作品 {i} · 作品 · 작품",
         "summary": "海と工場。" * 20, "summary_translations": {"en": f"Sea and factory {i}"}, "languages": ["ja"],
         "answers": {"1": "예"}, "host_organisation": "Kunstverein", "host_email": "host@example.de",
         "reference": f"MIG-{i:06d}", "submitted_at": now - timedelta(minutes=i), "search_text": f"作品 {i}"}
        for i, user_id in enumerate(ids)])


def test_later_revisions_go_down_and_up_again_over_10000_applications_without_changing_a_row(migration_app):
    upgrade()
    _populate_applications(10_000)
    db.session.commit()
    assert db.session.scalar(sa.text("SELECT count(*) FROM application")) == 10_000
    db.session.rollback()
    before = table_digests()
    downgrade(revision=APPLICATIONS_REVISION)
    assert "grant" not in sa.inspect(db.engine).get_table_names()  # the later revisions really were undone
    upgrade()
    assert table_digests() == before
    assert _diff() == []


def test_revision_files_follow_the_naming_pattern():
    versions = os.path.join(os.path.dirname(__file__), "..", "..", "migrations", "versions")
    import re

    names = [n for n in os.listdir(versions) if n.endswith(".py")]
    assert names and all(re.fullmatch(r"\d{8}_\d{4}_[0-9a-f]+_\w+\.py", n) for n in names)


def test_an_installation_from_before_programmes_keeps_its_calls_and_managers_in_one_programme(migration_app):
    """Its calls go to one programme, every manager joins it: nobody loses access to anything."""
    from mobility.accounts.models import User

    upgrade()
    _populate_applications(3)
    db.session.commit()
    downgrade(revision=BEFORE_PROGRAMMES)
    assert "programme" not in sa.inspect(db.engine).get_table_names()
    db.session.execute(sa.text("INSERT INTO user_role (user_id, role, granted_at) VALUES "
                               "(1, 'manager', CURRENT_TIMESTAMP), (2, 'applicant', CURRENT_TIMESTAMP)"))
    db.session.commit()
    upgrade()
    rows = db.session.execute(sa.text(
        "SELECT p.name, (SELECT count(*) FROM call WHERE call.programme_id = p.id), "
        "(SELECT group_concat(user_id) FROM programme_manager WHERE programme_id = p.id) FROM programme p"
        if db.engine.dialect.name == "sqlite" else
        "SELECT p.name, (SELECT count(*) FROM call WHERE call.programme_id = p.id), "
        "(SELECT string_agg(user_id::text, ',') FROM programme_manager WHERE programme_id = p.id) FROM programme p"
    )).all()
    assert rows == [("Programme office", 1, "1")]
    assert db.session.get(User, 1).programmes[0].name == "Programme office"


SCORES_IN_HUNDREDTHS = "9d2e4b6f8a13"


def test_reviews_and_consensus_reports_get_the_compact_copy_of_their_scores_from_the_revision(migration_app):
    """The revision fills score_hundredths from the scores already stored, as the model writes it."""
    from bench.ranking import populate
    from mobility.review.models import scores_in_hundredths

    upgrade()
    with migration_app.test_request_context():
        populate(applications=30, jurors=6, k=3, seed=4, odd_cases=True)
    db.session.commit()
    tables = ("review", "consensus_report")
    written = {t: db.session.execute(sa.text(f"SELECT id, scores, score_hundredths FROM {t} ORDER BY id")).all()
               for t in tables}
    db.session.rollback()
    assert all(written.values()) and all(row[2] for row in written["review"])
    downgrade(revision=f"{SCORES_IN_HUNDREDTHS}-1")
    assert "score_hundredths" not in {c["name"] for c in sa.inspect(db.engine).get_columns("review")}
    upgrade()
    for table in tables:
        rows = db.session.execute(sa.text(f"SELECT id, scores, score_hundredths FROM {table} ORDER BY id")).all()
        assert [row[2] for row in rows] == [row[2] for row in written[table]]
        assert all(row[2] == scores_in_hundredths(json.loads(row[1]) if isinstance(row[1], str) else row[1])
                   for row in rows)
    db.session.rollback()
    assert _diff() == []


TWO_FACTOR_REVISION = "9c59b0320907"


def test_tokens_made_before_expiry_existed_get_ninety_days_from_the_upgrade(migration_app):
    """The revision gives every token it finds 90 days from the upgrade (an integration keeps working and its
    holder is reminded in time), limited to no programme; going down and up again keeps the rows."""
    from datetime import datetime, timedelta, timezone

    from mobility.api import services as api_tokens
    from mobility.api.enums import TokenScope
    from tests.factories import make_user

    upgrade()
    with migration_app.test_request_context():
        manager = make_user("manager")
        _token, secret = api_tokens.create_token(manager, name="Ledger", scope=TokenScope.READ)
        db.session.commit()
    db.session.remove()
    downgrade(revision=f"{TWO_FACTOR_REVISION}-1")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("api_token")}
    assert "expires_at" not in columns and "programme_id" not in columns
    assert "recovery_code" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    token = api_tokens.find_token(secret)
    assert token is not None and token.active and token.programme_id is None
    assert abs(token.expires_at - (datetime.now(timezone.utc) + timedelta(days=90))) < timedelta(minutes=5)
    db.session.rollback()
    assert _diff() == []
