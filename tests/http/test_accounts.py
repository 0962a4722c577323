"""Register, confirm, sign in and out, reset and change passwords, through the test client."""
from __future__ import annotations

import re

from sqlalchemy import select

from mobility.accounts.models import User, UserSession
from mobility.core.models import AuditEntry, OutboxMessage
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD

NEW_PASSWORD = "another long pass phrase"


def _form(client, url):
    return csrf_from(client.get(url).get_data(as_text=True))


def _last_link(db, email: str) -> str:
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, "no mail in the outbox"
    return re.search(r"https?://\S+", message.body).group(0).replace("http://mobility.test", "")


def _register(client, **overrides):
    data = {"name": "Lee Min-ji", "email": "minji@example.kr", "password": PASSWORD, "password_repeat": PASSWORD,
            "locale": "ko", "timezone": "Asia/Seoul", "csrf_token": _form(client, "/register")}
    data.update(overrides)
    return client.post("/register", data=data)


def test_register_confirm_sign_in_and_out(client, db):
    response = _register(client)
    assert response.status_code == 302

    user = db.session.scalar(select(User).where(User.email == "minji@example.kr"))
    assert user.locale == "ko" and user.timezone == "Asia/Seoul" and not user.email_confirmed
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.email))
    assert mail.locale == "ko"
    assert "이메일" in mail.subject  # rendered in the recipient's language

    # Unconfirmed: sign-in is refused with an explanation.
    refused = sign_in(client, "minji@example.kr")
    assert refused.status_code == 200
    assert not db.session.get(User, user.id).email_confirmed

    # The link opens a page and confirms nothing by itself (a mail scanner may follow links); its button does.
    link = _last_link(db, user.email)
    page = client.get(link)
    assert page.status_code == 200 and "minji@example.kr" in page.get_data(as_text=True)
    assert not db.session.get(User, user.id).email_confirmed
    confirm = client.post(link, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert confirm.status_code == 302
    assert db.session.get(User, user.id).email_confirmed
    assert client.get(link).status_code == 302  # opened again: already confirmed, straight to sign-in

    assert sign_in(client, "minji@example.kr").status_code == 302
    profile = client.get("/account/profile")
    assert profile.status_code == 200 and "minji@example.kr" in profile.get_data(as_text=True)

    client.post("/sign-out", data={"csrf_token": csrf_from(profile.get_data(as_text=True))})
    assert client.get("/account/profile").status_code == 302


def test_bad_registration_shows_errors_on_fields_and_keeps_what_was_typed(client, db, make_user):
    make_user(email="taken@example.org")
    response = _register(client, name="Kamakura Taro", email="taken@example.org", password="short",
                         password_repeat="short")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Kamakura Taro"' in html and 'value="taken@example.org"' in html
    assert 'id="password-error"' in html

    response = _register(client, email="taken@example.org")  # says nothing about the account (below)
    assert response.status_code == 302

    response = _register(client, email="new@example.org", timezone="Mars/Olympus")
    assert 'id="timezone-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None


def test_registration_does_not_reveal_whether_an_address_has_an_account(client, db, make_user):
    """The same answer, the same errors and one mail either way: to a new address its confirmation link, to
    an existing account a note that someone tried to register with its address (with sign-in and reset
    links); the existing account is unchanged."""
    owner = make_user(email="taken@example.org", name="Owner", locale="ja")
    hash_before = owner.password_hash
    answers = {}
    for email in ("taken@example.org", "fresh@example.org"):
        weak = _register(client, email=email, password="short", password_repeat="short")
        assert weak.status_code == 200 and 'id="password-error"' in weak.get_data(as_text=True)
        assert 'id="email-error"' not in weak.get_data(as_text=True)
        response = _register(client, email=email.upper())
        following = client.get(response.headers["Location"])
        answers[email] = (response.status_code, response.headers["Location"],
                          re.findall(r'class="flash[^"]*"[^>]*>(.*?)<', following.get_data(as_text=True), re.S))
    assert answers["taken@example.org"] == answers["fresh@example.org"]
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert "/confirm/" in mails["fresh@example.org"].body
    note = mails["taken@example.org"]
    assert note.locale == "ja" and "/confirm/" not in note.body  # the account's own language
    assert "/sign-in" in note.body and "/forgot-password" in note.body
    db.session.expire_all()
    assert db.session.scalars(select(User).where(User.email == "taken@example.org")).one().password_hash == hash_before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.registration_attempted"))


def test_errors_are_translated(client):
    client.post("/language", data={"locale": "ja", "csrf_token": _form(client, "/")})
    html = _register(client, password="short", password_repeat="short").get_data(as_text=True)
    error = html.split('id="password-error">', 1)[1].split("</p>", 1)[0]
    assert "文字で入力してください" in error  # "Use between 12 and 1024 characters." in Japanese


def test_a_copied_cookie_is_refused_after_sign_out(app, client, make_user):
    user = make_user()
    sign_in(client, user.email)
    stolen = app.test_client()
    stolen.set_cookie("mobility_session", client.get_cookie("mobility_session", domain="mobility.test").value,
                      domain="mobility.test")
    assert stolen.get("/account/profile").status_code == 200

    client.post("/sign-out", data={"csrf_token": _form(client, "/")})
    assert stolen.get("/account/profile").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, db, make_user):
    user = make_user()
    sign_in(client, user.email)
    other = app.test_client()
    sign_in(other, user.email)
    assert other.get("/account/profile").status_code == 200

    wrong = client.post("/account/password", data={
        "current_password": "not my password", "new_password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD,
        "csrf_token": _form(client, "/account/password")})
    assert 'id="current_password-error"' in wrong.get_data(as_text=True)

    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD,
        "csrf_token": _form(client, "/account/password")})
    assert response.status_code == 302
    assert client.get("/account/profile").status_code == 200
    assert other.get("/account/profile").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "auth.password_changed" in actions

    fresh = app.test_client()
    assert sign_in(fresh, user.email, PASSWORD).status_code == 200
    assert sign_in(fresh, user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_link_works_once_and_says_nothing_about_unknown_addresses(client, db, make_user):
    user = make_user()
    for email in (user.email, "nobody@example.org"):
        response = client.post("/forgot-password", data={"email": email,
                                                         "csrf_token": _form(client, "/forgot-password")})
        assert response.status_code == 302
    assert db.session.scalars(select(OutboxMessage.recipient)).all() == [user.email]

    link = _last_link(db, user.email)
    response = client.post(link, data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD,
                                       "csrf_token": _form(client, link)})
    assert response.status_code == 302
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302

    client.post("/sign-out", data={"csrf_token": _form(client, "/")})
    again = client.get(link)
    assert again.status_code == 302 and "/forgot-password" in again.headers["Location"]


def test_expired_reset_link_is_refused(app, client, db, make_user):
    user = make_user()
    client.post("/forgot-password", data={"email": user.email, "csrf_token": _form(client, "/forgot-password")})
    link = _last_link(db, user.email)
    app.config["PASSWORD_RESET_MAX_AGE"] = __import__("datetime").timedelta(seconds=-1)
    try:
        response = client.get(link)
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = __import__("datetime").timedelta(hours=2)
    assert response.status_code == 302 and "/forgot-password" in response.headers["Location"]


def test_sign_ins_and_failures_are_audited_with_ip(client, db, make_user):
    user = make_user()
    sign_in(client, user.email, "wrong password here")
    sign_in(client, user.email)
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [e.action for e in entries]
    assert "auth.sign_in_failed" in actions and "auth.signed_in" in actions
    assert all(e.ip == "127.0.0.1" for e in entries if e.action.startswith("auth.sign"))
    sessions = db.session.scalars(select(UserSession)).all()
    assert len(sessions) == 1 and len(sessions[0].token_hash) == 64


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    user = make_user()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        page = client.get(f"/sign-in?next={target}")
        response = client.post(f"/sign-in?next={target}", data={
            "email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
        assert response.status_code == 302
        assert response.headers["Location"] in ("/", "http://mobility.test/"), target
        client.post("/sign-out", data={"csrf_token": _form(client, "/")})
    page = client.get("/sign-in?next=/account/profile")
    response = client.post("/sign-in?next=/account/profile", data={
        "email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"].endswith("/account/profile")


def test_mail_to_one_typed_address_is_limited_whether_or_not_it_has_an_account(client, db, make_user):
    """Registration and password reset mail the address typed into them: at most three times an hour per
    address (then 429), the same for a known and an unknown address."""
    make_user(email="known@example.org")
    for email in ("known@example.org", "unknown@example.org"):
        answers = []
        for n in range(4):
            answers.append(_register(client, email=email, name=f"Try {n}").status_code)
        assert answers == [302, 302, 302, 429], email
    for email in ("known@example.org", "unknown@example.org"):
        answers = []
        for n in range(4):
            environ = {"REMOTE_ADDR": f"192.0.2.{n + 10}"}  # from other addresses too
            token = csrf_from(client.get("/forgot-password", environ_base=environ).get_data(as_text=True))
            answers.append(client.post("/forgot-password", data={"email": email, "csrf_token": token},
                                       environ_base=environ).status_code)
        assert answers == [302, 302, 302, 429], email
    to_known = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "known@example.org")).all()
    assert len(to_known) == 6  # three registration notes, three reset links
