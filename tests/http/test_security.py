"""Security baseline: headers, cookies, CSRF, throttling, size limits and error pages."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from config import ProductionConfig
from mobility import create_app
from mobility.accounts.models import User
from mobility.extensions import db
from tests.conftest import csrf_from, sign_in


def test_security_headers_on_every_response(client):
    for url in ("/", "/sign-in", "/does-not-exist", "/static/css/mobility.css"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # only in production


def test_pages_carry_no_inline_script_or_style(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_session_cookie_is_httponly_and_lax(client, make_user):
    user = make_user()
    response = sign_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_sets_secure_cookies_and_hsts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 40
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        SERVER_NAME = "mobility.example.org"
    app = create_app(Prod)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_IDLE_TIMEOUT"].total_seconds() > 0
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] > app.config["SESSION_IDLE_TIMEOUT"]
    response = app.test_client().get("/static/css/mobility.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_refuses_to_start_without_server_name():
    """Links in mail are built on SERVER_NAME; without it they would follow a request's Host header."""
    for missing in (None, "", "  "):
        class Prod(ProductionConfig):
            SECRET_KEY = "x" * 40
            SQLALCHEMY_DATABASE_URI = "sqlite://"
            SERVER_NAME = missing
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            create_app(Prod)


@pytest.mark.parametrize("forged", ["evil.example", "mobility.example.org.evil.example"])
def test_no_link_in_a_mail_follows_a_forged_host_header(app, client, make_user, monkeypatch, forged):
    """A password-reset request sent with someone else's Host header still mails a link to our site, and so
    do the mails a job sends for that request."""
    from mobility.core.models import OutboxMessage
    from mobility.jobs.runner import _base_url
    monkeypatch.setitem(app.config, "SERVER_NAME", "mobility.example.org")
    user = make_user()
    headers = {"Host": forged}
    page = client.get("/forgot-password", headers=headers)
    response = client.post("/forgot-password", headers=headers, data={
        "email": user.email, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)).all()[-1]
    assert "://mobility.example.org/reset-password/" in mail.body
    assert forged not in mail.body
    with app.test_request_context("/", headers=headers):
        assert _base_url().endswith("://mobility.example.org/")


def test_production_refuses_the_development_secret():
    class Prod(ProductionConfig):
        SECRET_KEY = "dev-only-secret-change-me"
    try:
        create_app(Prod)
    except RuntimeError as error:
        assert "SECRET_KEY" in str(error)
    else:
        raise AssertionError("production started with a weak secret")


def test_post_without_or_with_a_foreign_csrf_token_is_refused(app, client, db):
    data = {"name": "X", "email": "x@example.org", "password": "a long enough pass", "password_repeat":
            "a long enough pass", "locale": "en", "timezone": "UTC"}
    assert client.post("/register", data=data).status_code == 400
    other = app.test_client()
    foreign = csrf_from(other.get("/register").get_data(as_text=True))
    client.get("/register")
    assert client.post("/register", data={**data, "csrf_token": foreign}).status_code == 400
    assert db.session.scalar(select(User)) is None


def test_an_expired_csrf_token_keeps_what_was_typed(app, client, db):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    app.config["WTF_CSRF_TIME_LIMIT"] = -1  # every token is now too old
    try:
        response = client.post("/register", data={
            "name": "박서연", "email": "seoyeon@example.kr", "password": "a long enough pass",
            "password_repeat": "a long enough pass", "locale": "ko", "timezone": "Asia/Seoul",
            "csrf_token": token})
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="박서연"' in html and 'value="seoyeon@example.kr"' in html
    assert "a long enough pass" not in html  # passwords are not echoed back
    fresh = csrf_from(html)
    resent = client.post("/register", data={
        "name": "박서연", "email": "seoyeon@example.kr", "password": "a long enough pass",
        "password_repeat": "a long enough pass", "locale": "ko", "timezone": "Asia/Seoul", "csrf_token": fresh})
    assert resent.status_code == 302
    assert db.session.scalar(select(User.name)) == "박서연"


def _try_sign_in(client, email, password="wrong password!!", headers=None):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       headers=headers or {})


def test_sign_in_is_throttled_per_account(app, client, make_user):
    user = make_user()
    for _ in range(5):
        assert _try_sign_in(client, user.email).status_code == 200
    blocked = _try_sign_in(client, user.email, headers={"Accept-Language": "ko"})
    assert blocked.status_code == 429
    # Even the right password waits: the account is being guessed at.
    assert sign_in(client, user.email).status_code == 429


def test_sign_in_is_throttled_per_ip_and_forwarded_for_does_not_help(app, client):
    for n in range(30):
        response = _try_sign_in(client, f"guess{n}@example.org", headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert response.status_code == 200
    response = _try_sign_in(client, "another@example.org", headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.status_code == 429


def test_429_page_is_translated(app, client, make_user):
    user = make_user()
    for _ in range(6):
        response = _try_sign_in(client, user.email, headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert '<html lang="ko">' in html and "Too many" not in html


def test_a_successful_sign_in_does_not_use_up_the_allowance(client, make_user):
    user = make_user()
    for _ in range(8):
        assert sign_in(client, user.email).status_code == 302
        client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def test_request_too_large_gets_a_translated_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/register", data={"name": "x" * 5000},
                               headers={"Accept-Language": "ja"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024
    assert response.status_code == 413
    assert '<html lang="ja">' in response.get_data(as_text=True)


def test_error_pages_are_translated_without_traceback(client):
    for url, method, code in (("/nowhere", "GET", 404), ("/sign-out", "GET", 405), ("/admin/users", "GET", 302)):
        response = client.open(url, method=method, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert response.status_code == code
        if code != 302:
            html = response.get_data(as_text=True)
            assert '<html lang="zh-Hans">' in html and "Traceback" not in html
            assert "Page not found" not in html and "Method not allowed" not in html


def test_nul_characters_never_reach_a_page_or_the_database(app, client, make_user):
    """PostgreSQL refuses NUL in a string: query and form parameters arrive without it (files as sent)."""
    import io
    with app.test_request_context("/?q=a%00b&x%00y=1", method="POST",
                                  data={"summary": "line\x00 two", "file": (io.BytesIO(b"%PDF\x00"), "a.pdf")}):
        from flask import request
        assert request.args["q"] == "ab" and "xy" in request.args
        assert request.form["summary"] == "line two"
        assert request.files["file"].read() == b"%PDF\x00"
    admin = make_user("admin")
    sign_in(client, admin.email)
    assert client.get("/admin/users?q=%00%3Cb%3E").status_code == 200
