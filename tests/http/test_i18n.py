"""Language choice: saved preference, then the switch, then Accept-Language, then English."""
from __future__ import annotations

from tests.conftest import csrf_from, sign_in


def _lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_accept_language_picks_the_best_supported_locale(client):
    cases = {
        "zh-CN,zh;q=0.9,en;q=0.8": "zh-Hans",
        "zh-Hans-CN": "zh-Hans",
        "ja-JP,ja;q=0.9": "ja",
        "ko-KR": "ko",
        "fr-FR,fr;q=0.9,ko;q=0.5,en;q=0.4": "ko",
        "de-DE": "en",
        "": "en",
    }
    for header, expected in cases.items():
        assert _lang(client.get("/", headers={"Accept-Language": header})) == expected, header


def test_the_switch_beats_accept_language_and_stays(client):
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"locale": "ja", "next": "/sign-in", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert _lang(client.get("/", headers={"Accept-Language": "ko"})) == "ja"


def test_the_switch_refuses_unknown_locales_and_foreign_redirects(client):
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/language", data={"locale": "fr", "csrf_token": token}).status_code == 400
    response = client.post("/language", data={"locale": "ko", "next": "https://evil.example/",
                                              "csrf_token": token})
    assert response.headers["Location"] in ("/", "http://mobility.test/")


def test_saved_preference_wins_and_the_switch_updates_it(client, db, make_user):
    user = make_user(locale="zh_Hans")
    sign_in(client, user.email)
    assert _lang(client.get("/", headers={"Accept-Language": "ja"})) == "zh-Hans"
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/language", data={"locale": "ko", "csrf_token": token})
    assert _lang(client.get("/")) == "ko"
    db.session.refresh(user)
    assert user.locale == "ko"


def test_every_locale_renders_the_landing_page_in_its_language(client):
    expectations = {"en": "Artist mobility", "zh_Hans": "欧洲文化之都", "ja": "欧州文化首都", "ko": "유럽문화수도"}
    for locale, text in expectations.items():
        token = csrf_from(client.get("/").get_data(as_text=True))
        client.post("/language", data={"locale": locale, "csrf_token": token})
        assert text in client.get("/").get_data(as_text=True), locale
