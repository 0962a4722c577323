"""Demo data loads twice without change; the translation catalogs are complete."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from mobility.accounts.models import User
from mobility.cities.enums import Side
from mobility.cities.models import City
from mobility.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from mobility.i18n.catalogs import check_catalogs, missing_from_catalogs
from tests.conftest import csrf_from, sign_in

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def _snapshot(db):
    return (db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(City)),
            sorted(db.session.scalars(select(User.email))))


def test_demo_load_is_idempotent(app, db):
    # The users, cities and pairs alone (the whole programme: tests/unit/test_demo_programme.py).
    with app.test_request_context():
        assert len(load_demo(programme=False)) == len(DEMO_USERS)
        db.session.commit()
        first = _snapshot(db)
        assert load_demo(programme=False) == []
        db.session.commit()
    assert _snapshot(db) == first
    assert {u.role.value for u in DEMO_USERS} == {"applicant", "juror", "manager", "admin"}


def test_reference_cities_are_on_both_sides(app, db):
    with app.test_request_context():
        load_demo(programme=False)
    kamakura = db.session.scalar(select(City).where(City.name_en == "Kamakura"))
    assert kamakura.side is Side.EAST_ASIA and kamakura.name_local == "鎌倉市" and kamakura.country == "JP"
    chemnitz = db.session.scalar(select(City).where(City.name_en == "Chemnitz"))
    assert chemnitz.side is Side.EUROPE and chemnitz.title_year == 2025


def test_catalogs_are_complete_and_consistent():
    assert check_catalogs(TRANSLATIONS) == []


def test_every_message_of_the_code_is_in_every_catalog():
    assert missing_from_catalogs(TRANSLATIONS.parent) == []


def test_the_check_catches_missing_fuzzy_and_mismatched_entries(tmp_path):
    po = tmp_path / "ja" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: ja\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Hello %(name)s"\nmsgstr "こんにちは"\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "あいまい"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        'msgid "<b>Bold</b>"\nmsgstr "太字"\n', encoding="utf-8")
    for other in ("zh_Hans", "ko"):
        (tmp_path / other / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / other / "LC_MESSAGES" / "messages.po").write_bytes(po.read_bytes())
    problems = [p for p in check_catalogs(tmp_path) if p.startswith("ja")]
    assert any("placeholders differ" in p for p in problems)
    assert any("fuzzy" in p for p in problems)
    assert any("not translated" in p for p in problems)
    assert any("HTML tags differ" in p for p in problems)


def test_every_demo_user_can_sign_in_through_the_form(app, client, db):
    with app.test_request_context():
        load_demo(programme=False)
    db.session.commit()
    for demo in DEMO_USERS:
        assert sign_in(client, demo.email, DEMO_PASSWORD).status_code == 302, demo.email
        client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
