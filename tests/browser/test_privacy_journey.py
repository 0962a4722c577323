"""An artist in Korean downloads their data, reads what erasure deletes and what it keeps (their funded
exchange), erases their account and can no longer sign in; the open data page in English and Japanese."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import Browser, expect

from mobility.awards import services as awards
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import PASSWORD, make_awardable

pytestmark = pytest.mark.browser


@pytest.fixture
def korean_artist(live_app):
    with live_app.app_context(), live_app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        application.title = "바다의 기억"
        application.applicant.locale = "ko"
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name=application.applicant.name)
        db.session.commit()
        return application.applicant.email, application.reference


def test_download_then_erase(browser: Browser, live_url, korean_artist, tmp_path):
    email, reference = korean_artist
    page = browser.new_context(locale="ko-KR", accept_downloads=True).new_page()
    sign_in_page(page, live_url, email)
    page.goto(live_url + "/account/profile")
    page.get_by_role("link", name="내 데이터").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="내 데이터 내려받기").click()
    data = json.loads(zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())).read("data.json"))
    assert [a["title"] for a in data["applications"]] == ["바다의 기억"]
    assert [d["decision"] for d in data["panel_decisions"]] == []    # no letter yet: no decision to show
    page.screenshot(path=str(tmp_path / "data_ko.png"), full_page=True)

    page.get_by_role("link", name="계정 삭제…").click()           # what goes and what stays, before anything
    expect(page.get_by_role("heading", name="삭제되는 것")).to_be_visible()
    expect(page.get_by_role("heading", name="보관되는 것과 그 이유")).to_be_visible()
    kept = page.locator("h2#kept + ul")
    expect(kept).to_contain_text(reference)
    expect(kept).to_contain_text("바다의 기억")
    expect(kept).to_contain_text("법정 보존 기간")
    expect(kept).to_contain_text("90일")
    page.screenshot(path=str(tmp_path / "erase_ko.png"), full_page=True)

    page.locator("#password").fill("wrong password")
    page.locator("#erase").click()
    expect(page.locator("#password-error")).to_be_visible()
    page.locator("#password").fill(PASSWORD)
    page.locator("#erase").click()
    expect(page.locator(".flash-success")).to_contain_text("계정이 삭제되었습니다")
    sign_in_page(page, live_url, email)
    expect(page.locator("#email")).to_be_visible()  # still on the sign-in page


@pytest.mark.parametrize("locale, label", [("en-GB", "Total granted (EUR)"), ("ja-JP", "助成総額（ユーロ）")])
def test_the_open_data_page_explains_its_columns(browser: Browser, live_url, korean_artist, tmp_path, locale, label):
    page = browser.new_context(locale=locale).new_page()
    page.goto(live_url + "/open-data/")
    expect(page.locator("#data-dictionary")).to_contain_text(label)
    expect(page.locator("#data-dictionary")).to_contain_text("grant_eur_total")
    expect(page.locator("a[rel=license]")).to_have_attribute("href", "https://creativecommons.org/licenses/by/4.0/")
    page.screenshot(path=str(tmp_path / f"open_data_{locale}.png"), full_page=True)
