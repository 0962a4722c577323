"""A manager in Japanese creates a read token from their profile, copies it, an integration reads with it,
and after the manager revokes it the integration is refused."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_reviewable_call

pytestmark = pytest.mark.browser


@pytest.fixture
def japanese_manager(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, call, _applications = make_reviewable_call()
        manager.locale, manager.timezone = "ja", "Asia/Tokyo"
        db.session.commit()
        return manager.email, call.id


def _api_get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept-Language": "ja"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # the live server on 127.0.0.1
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_manager_creates_uses_and_revokes_a_token(browser: Browser, live_url, japanese_manager, tmp_path):
    email, call_id = japanese_manager
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    sign_in_page(page, live_url, email)
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.goto(live_url + "/account/profile")
    page.get_by_role("link", name="API トークン").click()
    expect(page.locator("h1")).to_have_text("API トークン")
    page.locator("#name").fill("財務システム")
    page.get_by_label("読み取りのみ").check()
    page.locator("#submit").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("mob_")
    expect(page.locator(".new-token")).to_contain_text("二度と表示されません")
    page.screenshot(path=str(tmp_path / "api_tokens_ja.png"), full_page=True)

    status, body = _api_get(f"{live_url}/api/v1/calls/{call_id}/applications", secret)
    assert status == 200 and body["total"] == 2

    page.goto(live_url + "/account/api-tokens")  # the secret is shown once: a later visit does not bring it back
    expect(page.locator("#new-token")).to_have_count(0)
    row = page.locator("tr", has_text="財務システム")
    expect(row).to_contain_text(secret[:12])
    row.get_by_role("button").click()
    expect(page.locator(".flash-success")).to_contain_text("財務システム")
    expect(page.locator("tr", has_text="財務システム")).to_have_count(0)

    status, body = _api_get(f"{live_url}/api/v1/calls/{call_id}/applications", secret)
    assert status == 401 and body["title"] == "認証が必要です"
    context.close()
