"""A 500 rolls the request's work back and shows a translated page with no traceback."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobility import create_app
from mobility.accounts.models import User
from mobility.core.access import public
from mobility.extensions import db as _db
from tests.conftest import Config


@pytest.mark.commits  # a second app: on PostgreSQL, a connection of its own to the test database
def test_an_unexpected_error_rolls_back_and_says_sorry(app):
    broken_app = create_app(Config)
    broken_app.config["PROPAGATE_EXCEPTIONS"] = False

    @broken_app.get("/broken")
    @public
    def broken():
        _db.session.add(User(name="half-saved", email="half@example.org", password_hash="x"))
        _db.session.flush()
        raise RuntimeError("boom: secret detail")

    with broken_app.app_context():
        _db.create_all()
    response = broken_app.test_client().get("/broken", headers={"Accept-Language": "ko"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "boom" not in html and "Traceback" not in html
    assert '<html lang="ko">' in html
    with broken_app.app_context():
        assert _db.session.scalar(select(User).where(User.email == "half@example.org")) is None


class DatabaseDown(Config):
    """PostgreSQL stopped: nothing listens where the database should be (and Redis likewise)."""

    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://postgres@127.0.0.1:9/stopped"
    SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"connect_timeout": 2}}
    WTF_CSRF_ENABLED = False  # the form reaches the view, which needs the database


@pytest.fixture
def database_down():
    down = create_app(DatabaseDown)
    down.config["PROPAGATE_EXCEPTIONS"] = False
    return down


@pytest.mark.parametrize("language, words", [("ja", "データベース"), ("ko", "데이터베이스"), ("zh-CN", "数据库"),
                                             ("en", "database")])
def test_with_the_database_down_the_error_page_still_speaks_the_readers_language(database_down, language, words):
    import time

    from mobility.accounts.sessions import SEEN_KEY, TOKEN_KEY

    client = database_down.test_client()
    with client.session_transaction() as cookie:  # a signed-in browser: its session row cannot be read
        cookie.update({"_user_id": "1", TOKEN_KEY: "live-token", SEEN_KEY: int(time.time())})
    for path in ("/", "/calls/", "/account/profile"):
        response = client.get(path, headers={"Accept-Language": language})
        html = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "30" and response.headers["Cache-Control"] == "no-store"
        assert words in html and "Traceback" not in html and "psycopg" not in html
        assert f'<html lang="{ {"zh-CN": "zh-Hans"}.get(language, language) }">' in html
        assert f'href="{path}"' in html  # try the same page again


def test_with_the_database_down_the_api_answers_a_problem_in_the_readers_language(database_down):
    response = database_down.test_client().get("/api/v1/calls", headers={"Accept-Language": "ko"})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    # (the API's rate-limit headers may name their own, later, moment to come back)
    assert int(response.headers["Retry-After"]) >= 30 and "데이터베이스" in response.get_json()["detail"]


def test_a_form_sent_while_the_database_is_down_says_nothing_was_saved(database_down):
    response = database_down.test_client().post("/sign-in", data={"email": "a@example.org", "password": "x"},
                                                headers={"Accept-Language": "ja"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "保存されていません" in html
    assert 'href="/"' in html  # a POST is not repeated by a link: home instead
