"""The profile: languages with levels, disciplines, home city and affiliations."""
from __future__ import annotations

from sqlalchemy import select

from mobility.accounts.enums import Discipline, Language, Level
from mobility.cities.models import City
from mobility.cities.services import load_reference_cities
from tests.conftest import csrf_from


def _profile_data(client, **overrides):
    data = {
        "name": "Ōta Keiko", "locale": "ja", "timezone": "Asia/Tokyo", "country": "jp", "home_city_id": "",
        "read_ja": "native", "write_ja": "native", "read_en": "fluent", "write_en": "working",
        "read_zh": "", "write_zh": "", "read_ko": "basic", "write_ko": "",
        "disciplines": ["dance", "music"],
        "affiliations": "Kamakura Arts Centre\n  kamakura   arts centre \nＴｏｋｙｏ Ｕｎｉｖｅｒｓｉｔｙ",
        "csrf_token": csrf_from(client.get("/account/profile").get_data(as_text=True)),
    }
    data.update(overrides)
    return data


def test_profile_saves_languages_disciplines_city_and_affiliations(client, db, signed_in):
    load_reference_cities()
    db.session.commit()
    kamakura = db.session.scalar(select(City).where(City.name_en == "Kamakura"))
    user = signed_in()
    response = client.post("/account/profile", data=_profile_data(client, home_city_id=str(kamakura.id)))
    assert response.status_code == 302
    db.session.refresh(user)
    skills = {s.language: (s.reading, s.writing) for s in user.language_skills}
    assert skills == {Language.JA: (Level.NATIVE, Level.NATIVE), Language.EN: (Level.FLUENT, Level.WORKING),
                      Language.KO: (Level.BASIC, None)}
    assert {d.discipline for d in user.disciplines} == {Discipline.DANCE, Discipline.MUSIC}
    # The same organisation written twice (case, spacing) is kept once; full-width letters fold.
    assert [(a.organisation, a.organisation_key) for a in user.affiliations] == [
        ("Kamakura Arts Centre", "kamakura arts centre"), ("Ｔｏｋｙｏ Ｕｎｉｖｅｒｓｉｔｙ", "tokyo university")]
    assert user.home_city_id == kamakura.id and user.country == "JP"
    assert user.locale == "ja" and user.timezone == "Asia/Tokyo"

    page = client.get("/account/profile").get_data(as_text=True)
    assert "Kamakura Arts Centre" in page and '<html lang="ja">' in page


def test_bad_profile_input_is_refused_on_its_field_and_keeps_the_rest(client, db, signed_in):
    user = signed_in()
    html = client.post("/account/profile", data=_profile_data(client, country="Japan", timezone="Asia/Nowhere")
                       ).get_data(as_text=True)
    assert 'id="country-error"' in html and 'id="timezone-error"' in html
    assert "Kamakura Arts Centre" in html and 'value="Ōta Keiko"' in html
    db.session.refresh(user)
    assert user.name.startswith("Test User")


def test_profile_needs_sign_in(client):
    response = client.get("/account/profile")
    assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]
