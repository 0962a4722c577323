"""A manager, who must use a second factor here, is taken to the set-up, scans (here: reads) the key, confirms
with a code and keeps the ten recovery codes; signs out; signs in with a code from the app, then with a
recovery code; a wrong code and a code already used are refused."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from mobility.accounts import twofactor
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def manager(live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "TWO_FACTOR_REQUIRED_FOR_OFFICE", True)
    with live_app.app_context(), live_app.test_request_context():
        user = make_user("manager", name="Kim Minji", email="kim.minji@example.org")
        db.session.commit()
        return user.email


def _password_step(page: Page, live_url: str, email: str) -> None:
    sign_in_page(page, live_url, email)


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash-success")).to_contain_text("You are signed out.")


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_manager_sets_up_two_factor_and_signs_in_with_a_code_and_a_recovery_code(browser: Browser, live_url,
                                                                                  manager, tmp_path):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()

    # Set-up, required: every page leads to it.
    _password_step(page, live_url, manager)
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    page.goto(live_url + "/manage/calls/")
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    expect(page.locator(".notice")).to_contain_text("must set up two-factor sign-in")
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.locator("svg.qr-code")).to_be_visible()
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret and page.locator("#totp-secret").inner_text().replace(" ", "") == secret
    totp = pyotp.TOTP(secret)
    page.screenshot(path=str(tmp_path / "two_factor_setup.png"), full_page=True)

    page.locator("#code").fill(_wrong(totp.now()))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#code-error")).to_contain_text("This code is not right")
    page.locator("#code").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    page.get_by_role("link", name="I have kept them").click()
    expect(page.locator(".status-on")).to_contain_text("Two-factor sign-in is on")
    page.goto(live_url + "/manage/calls/")
    expect(page).to_have_url(re.compile(r"/manage/calls/$"))  # done: the office's pages open again
    _sign_out(page)

    # Signing in with a code: a wrong one is refused, then the app's next code (the set-up used this one).
    _password_step(page, live_url, manager)
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    page.goto(live_url + "/account/profile")
    expect(page).to_have_url(re.compile(r"/sign-in"))  # half signed in: nothing opens
    page.goto(live_url + "/sign-in/code")
    code = totp.at(time.time() + 30)
    page.locator("#code").fill(_wrong(code))
    page.locator("#submit").click()
    expect(page.locator("#code-error")).to_contain_text("This code is not right")
    page.locator("#code").fill(code)
    page.locator("#submit").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(live_url + "/account/profile")
    expect(page.locator("h1")).to_have_text("My profile")
    _sign_out(page)

    # The same code again: refused.
    _password_step(page, live_url, manager)
    page.locator("#code").fill(code)
    page.locator("#submit").click()
    expect(page.locator("#code-error")).to_contain_text("already been used")
    page.screenshot(path=str(tmp_path / "two_factor_reused.png"), full_page=True)

    # A recovery code, once.
    page.locator("#code").fill(codes[0].upper())
    page.locator("#submit").click()
    expect(page.locator(".flash-info")).to_contain_text("You have 9 left")
    _sign_out(page)
    _password_step(page, live_url, manager)
    page.locator("#code").fill(codes[0])
    page.locator("#submit").click()
    expect(page.locator("#code-error")).to_be_visible()
    context.close()


def test_the_second_step_speaks_the_persons_language(browser: Browser, live_app, live_url, tmp_path):
    with live_app.app_context(), live_app.test_request_context():
        user = make_user("juror", locale="ja", timezone="Asia/Tokyo", email="sato.yui@example.jp")
        secret = twofactor.start_setup(user)
        twofactor.confirm_setup(user, pyotp.TOTP(secret).at(time.time() - 30))
        db.session.commit()
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    _password_step(page, live_url, "sato.yui@example.jp")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_have_text("ログイン：コード")
    page.locator("#code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.locator("#submit").click()
    expect(page.locator("#code-error")).to_contain_text("コードが正しくありません")
    page.screenshot(path=str(tmp_path / "two_factor_code_ja.png"), full_page=True)
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("#submit").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    context.close()
