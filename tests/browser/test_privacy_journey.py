"""An artist in Korean downloads their data, then erases their account and can no longer sign in."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import Browser, expect

from mobility.extensions import db
from tests.factories import PASSWORD, make_application

pytestmark = pytest.mark.browser


@pytest.fixture
def korean_artist(live_app):
    with live_app.app_context(), live_app.test_request_context():
        application = make_application(title="바다의 기억")
        application.applicant.locale = "ko"
        db.session.commit()
        return application.applicant.email


def test_download_then_erase(browser: Browser, live_url, korean_artist, tmp_path):
    page = browser.new_context(locale="ko-KR", accept_downloads=True).new_page()
    page.goto(live_url + "/sign-in")
    page.locator("#email").fill(korean_artist)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.goto(live_url + "/account/profile")
    page.get_by_role("link", name="내 데이터").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="내 데이터 내려받기").click()
    data = json.loads(zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())).read("data.json"))
    assert [a["title"] for a in data["applications"]] == ["바다의 기억"]
    page.screenshot(path=str(tmp_path / "data_ko.png"), full_page=True)

    page.locator("#password").fill("wrong password")
    page.locator("#erase").click()
    expect(page.locator("#password-error")).to_be_visible()
    page.locator("#password").fill(PASSWORD)
    page.locator("#erase").click()
    expect(page.locator(".flash-success")).to_contain_text("계정이 삭제되었습니다")
    page.goto(live_url + "/sign-in")
    page.locator("#email").fill(korean_artist)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    expect(page.locator("#email")).to_be_visible()  # still on the sign-in page
