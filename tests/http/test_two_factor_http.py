"""Two-factor sign-in through HTTP: the second step (right, wrong, reused and recovery codes, its rate limit),
the half-signed-in state that opens nothing, the set-up from the profile, the set-up required of the office,
and the administrator's reset."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from mobility.accounts import twofactor
from mobility.accounts.models import User
from mobility.core.models import AuditEntry
from mobility.extensions import db as _db
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, make_api_token, make_reviewable_call


def _code(secret: str, at: float | None = None) -> str:
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


@pytest.fixture
def two_factor_user(app, make_user):
    """make("manager") → (user, secret, recovery codes): an account with two-factor sign-in on."""

    def make(*roles: str, **kwargs):
        user = make_user(*roles, **kwargs)
        with app.test_request_context():
            secret = twofactor.start_setup(user)
            codes = twofactor.confirm_setup(user, _code(secret, time.time() - 30))
        _db.session.commit()
        return user, secret, codes

    return make


@pytest.fixture
def required(app, monkeypatch):
    """The installation requires a second factor of managers and administrators (as production does)."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_FOR_OFFICE", True)


def _send_code(client, code: str):
    page = client.get("/sign-in/code")
    assert page.status_code == 200, page.status_code
    return client.post("/sign-in/code", data={"code": code, "csrf_token": csrf_from(page.get_data(as_text=True))})


def _failures(user: User) -> list[str]:
    return [e.detail.get("reason") for e in _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.sign_in_failed", AuditEntry.target_id == user.id))]


def test_the_password_leads_to_the_code_and_the_half_signed_in_browser_reaches_nothing(client, two_factor_user):
    user, secret, _codes = two_factor_user("manager")
    answer = client.get("/sign-in?next=/manage/calls/")
    answer = client.post("/sign-in?next=/manage/calls/", data={
        "email": user.email, "password": "correct horse battery staple 42",
        "csrf_token": csrf_from(answer.get_data(as_text=True))})
    assert answer.status_code == 200  # a wrong password is still just that
    response = sign_in(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code")
    for url in ("/account/profile", "/manage/calls/", "/account/api-tokens", "/account/two-factor", "/admin/users"):
        refused = client.get(url)
        assert refused.status_code == 302 and "/sign-in" in refused.headers["Location"], url
    home = client.get("/").get_data(as_text=True)
    assert 'action="/sign-out"' not in home  # not signed in: no sign-out button either

    signed = _send_code(client, _code(secret))
    assert signed.status_code == 302
    assert client.get("/account/profile").status_code == 200
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.signed_in")
                               .order_by(AuditEntry.id.desc()))
    assert entry.detail["second_factor"] == "totp"


def test_after_the_code_the_person_goes_where_they_were_going(client, two_factor_user):
    user, secret, _codes = two_factor_user("manager")
    page = client.get("/sign-in?next=/manage/calls/")
    client.post("/sign-in?next=/manage/calls/", data={"email": user.email, "password": PASSWORD,
                                                     "csrf_token": csrf_from(page.get_data(as_text=True))})
    signed = _send_code(client, _code(secret))
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/manage/calls/")


def test_a_wrong_code_is_refused_translated_and_audited(client, two_factor_user):
    user, secret, _codes = two_factor_user("juror", locale="ja")
    sign_in(client, user.email)
    wrong = "000000" if _code(secret) != "000000" else "111111"
    refused = _send_code(client, wrong)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="code-error"' in html and "コード" in html  # the user's own language
    assert client.get("/account/profile").status_code == 302
    assert _failures(user) == ["code"]


def test_a_code_used_once_is_refused_the_second_time(app, client, two_factor_user):
    user, secret, _codes = two_factor_user("manager")
    code = _code(secret)
    sign_in(client, user.email)
    assert _send_code(client, code).status_code == 302
    other = app.test_client()  # someone who watched the code being typed, with the password
    sign_in(other, user.email)
    replay = _send_code(other, code)
    assert replay.status_code == 422
    assert str(twofactor.USED_CODE) in replay.get_data(as_text=True)
    assert other.get("/account/profile").status_code == 302


def test_a_recovery_code_signs_in_once(app, client, two_factor_user):
    user, _secret, codes = two_factor_user("manager")
    sign_in(client, user.email)
    signed = _send_code(client, codes[4])
    assert signed.status_code == 302
    page = client.get(signed.headers["Location"]).get_data(as_text=True)
    assert "You have 9 left." in page  # told on the next page
    again = app.test_client()
    sign_in(again, user.email)
    assert _send_code(again, codes[4]).status_code == 422
    assert _send_code(again, codes[5]).status_code == 302


def test_the_second_step_is_rate_limited_per_account_however_often_the_password_is_typed(app, client, two_factor_user):
    user, secret, _codes = two_factor_user("manager")
    wrong = "000000" if _code(secret) != "000000" else "111111"
    answers = []
    for attempt in range(6):
        browser = app.test_client()  # a fresh browser each time: the allowance is the account's
        sign_in(browser, user.email)
        answers.append(_send_code(browser, wrong).status_code)
    assert answers == [422] * 5 + [429]
    browser = app.test_client()
    sign_in(browser, user.email)
    assert _send_code(browser, _code(secret)).status_code == 429  # even the right code waits now


def test_the_wait_for_the_code_ends(app, client, two_factor_user, monkeypatch):
    user, secret, _codes = two_factor_user("manager")
    sign_in(client, user.email)
    monkeypatch.setitem(app.config, "TWO_FACTOR_PENDING_SECONDS", -1)
    late = client.get("/sign-in/code")
    assert late.status_code == 302 and late.headers["Location"].endswith("/sign-in")


def test_a_reset_while_waiting_sends_the_person_back_to_the_password(app, client, two_factor_user, make_user):
    user, secret, _codes = two_factor_user("manager")
    sign_in(client, user.email)
    admin = make_user("admin")
    with app.test_request_context():
        twofactor.reset(admin, user)
    _db.session.commit()
    assert client.get("/sign-in/code").headers["Location"].endswith("/sign-in")


# ---- set-up from the profile ------------------------------------------------------------------------------

def _set_up(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    begun = client.post("/account/two-factor/begin", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert begun.status_code == 302
    html = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in html and "qr-code" in html
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    wrong = client.post("/account/two-factor/confirm", data={"code": "12345", "csrf_token": csrf_from(html)})
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.get_data(as_text=True)
    done = client.post("/account/two-factor/confirm", data={"code": _code(secret), "csrf_token": csrf_from(html)})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>", done.get_data(as_text=True))
    return secret, codes


def test_set_up_from_the_profile_shows_a_qr_code_and_ten_codes_once_and_ends_other_sessions(app, client, signed_in):
    user = signed_in("juror")
    other = app.test_client()
    sign_in(other, user.email)
    assert 'href="/account/two-factor"' in client.get("/account/profile").get_data(as_text=True)
    secret, codes = _set_up(client)
    assert len(codes) == 10
    assert _db.session.get(User, user.id).totp_secret == secret
    assert other.get("/account/profile").status_code == 302  # the other browser is signed out
    assert client.get("/account/profile").status_code == 200  # this one stays
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert not any(code in page for code in codes) and secret not in page  # shown once


def test_turning_it_off_needs_a_code(client, signed_in):
    signed_in("applicant")
    secret, _codes = _set_up(client)
    page = client.get("/account/two-factor").get_data(as_text=True)
    refused = client.post("/account/two-factor/disable", data={"disable-code": "000000" if _code(secret) != "000000"
                                                               else "111111", "csrf_token": csrf_from(page)})
    assert refused.status_code == 422
    # The set-up accepted this step's code already: a recovery code turns it off.
    off = client.post("/account/two-factor/disable", data={"disable-code": _codes[0], "csrf_token": csrf_from(page)})
    assert off.status_code == 302
    assert client.get("/account/two-factor").get_data(as_text=True).count("data-secret") == 0


# ---- required of the office -------------------------------------------------------------------------------

def test_a_manager_without_it_is_taken_to_the_set_up_from_every_page(app, client, signed_in, required):
    signed_in("manager")
    for url in ("/", "/manage/calls/", "/account/profile", "/account/api-tokens", "/calls/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/two-factor"), url
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "must set up two-factor" in page.get_data(as_text=True)
    posted = client.post("/account/profile", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/account/two-factor")
    assert client.get("/static/css/mobility.css").status_code == 200
    _set_up(client)
    assert client.get("/manage/calls/").status_code == 200
    off = client.get("/account/two-factor").get_data(as_text=True)
    assert "disable-code" not in off  # it cannot be turned off here


def test_artists_and_jurors_are_not_taken_to_it(client, signed_in, required):
    signed_in("juror")
    assert client.get("/account/profile").status_code == 200


def test_an_administrator_is_taken_to_it_and_sign_out_still_works(client, signed_in, required):
    signed_in("admin")
    assert client.get("/admin/users").headers["Location"].endswith("/account/two-factor")
    page = client.get("/account/two-factor").get_data(as_text=True)
    out = client.post("/sign-out", data={"csrf_token": csrf_from(page)})
    assert out.status_code == 302 and not out.headers["Location"].endswith("/account/two-factor")


@pytest.mark.commits  # the token's time of use is written on a connection of its own
def test_the_api_is_not_concerned(app, client, required):
    with app.test_request_context():
        manager, call, _applications = make_reviewable_call()
        _token, secret = make_api_token(manager)
    answer = client.get(f"/api/v1/calls/{call.id}/applications", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200


# ---- the administrator's reset ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["manager", "juror", "applicant"])
def test_only_an_administrator_may_reset(client, signed_in, two_factor_user, role):
    user, _secret, _codes = two_factor_user("manager")
    signed_in(role)
    page = client.get("/account/profile").get_data(as_text=True)
    refused = client.post(f"/admin/users/{user.id}/two-factor/reset", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 403
    assert _db.session.get(User, user.id).two_factor_enabled


def test_an_administrator_resets_a_lost_device_audited_and_the_person_is_signed_out(app, client, signed_in,
                                                                                   two_factor_user):
    user, secret, _codes = two_factor_user("manager")
    theirs = app.test_client()
    sign_in(theirs, user.email)
    _send_code(theirs, _code(secret))
    assert theirs.get("/account/profile").status_code == 200
    admin = signed_in("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert f'/admin/users/{user.id}/two-factor/reset' in page
    assert f'/admin/users/{admin.id}/two-factor/reset' not in page
    own = client.post(f"/admin/users/{admin.id}/two-factor/reset", data={"csrf_token": csrf_from(page)})
    assert own.status_code == 403
    assert client.post("/admin/users/99999999999/two-factor/reset",
                       data={"csrf_token": csrf_from(page)}).status_code == 404
    # Never in one click: the page says what the reset does, and the administrator confirms they checked.
    confirm = client.get(f"/admin/users/{user.id}/two-factor/reset")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "whoever knows their password" in text and user.email in text
    unchecked = client.post(f"/admin/users/{user.id}/two-factor/reset", data={"csrf_token": csrf_from(text)})
    assert unchecked.status_code == 200 and "Confirm that you made sure it is them." in unchecked.get_data(as_text=True)
    assert _db.session.get(User, user.id).two_factor_enabled
    done = client.post(f"/admin/users/{user.id}/two-factor/reset",
                       data={"csrf_token": csrf_from(text), "identity_checked": "y"})
    assert done.status_code == 302
    assert not _db.session.get(User, user.id).two_factor_enabled
    assert theirs.get("/account/profile").status_code == 302
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.two_factor_reset"))
    assert entry.actor_id == admin.id and entry.target_id == user.id
    assert sign_in(app.test_client(), user.email).headers["Location"] != "/sign-in/code"


def test_the_operator_resets_the_last_administrator_from_the_command_line(app, two_factor_user):
    admin, _secret, _codes = two_factor_user("admin")
    runner = app.test_cli_runner()
    done = runner.invoke(args=["accounts", "reset-two-factor", admin.email.upper()])
    assert done.exit_code == 0, done.output
    assert not _db.session.get(User, admin.id).two_factor_enabled
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.two_factor_reset"))
    assert entry.actor_id is None and entry.target_id == admin.id
    again = runner.invoke(args=["accounts", "reset-two-factor", admin.email])
    assert again.exit_code != 0 and "nothing to reset" in again.output
    assert runner.invoke(args=["accounts", "reset-two-factor", "nobody@example.org"]).exit_code != 0
