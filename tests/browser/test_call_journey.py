"""A manager creates a call in English, adds Korean texts and publishes it; a Korean visitor finds it."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from mobility.extensions import db
from tests.factories import PASSWORD, make_pair, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def manager_and_pair(live_app):
    with live_app.app_context():
        manager = make_user("manager", email="office@example.eu")
        pair = make_pair("Oulu", "Andong", actor=manager)
        db.session.commit()
        return manager.email, pair.id


def test_manager_publishes_a_call_a_korean_visitor_reads_it(page: Page, browser: Browser, live_url,
                                                            manager_and_pair, tmp_path):
    email, pair_id = manager_and_pair
    page.goto(live_url + "/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Manage calls").click()
    page.get_by_role("link", name="New call").click()
    page.get_by_label("Kind of call").select_option("co_creation")
    page.get_by_label("Title in English").fill("Northern light, eastern river: co-creation 2027")
    page.get_by_label("Oulu ⇄ Andong").check()
    page.get_by_label("Opens").fill("2026-11-01T09:00")
    page.get_by_label("Closes (deadline)").fill("2030-03-31T17:00")
    page.get_by_label("Time zone of the dates").select_option("Europe/Helsinki")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text("The draft call is created")).to_be_visible()

    page.locator("a[href$='/texts/en']").first.click()
    page.get_by_label("Summary").fill("Artists of Oulu and Andong make a new work together.")
    page.get_by_label("Full text").fill("Teams of two to four artists from both cities.\n\nTwo stays, one in each city.")
    page.get_by_role("button", name="Save texts").click()

    page.locator("a[href$='/texts/ko']").first.click()
    page.get_by_label("Title").fill("북쪽의 빛, 동쪽의 강: 공동 창작 2027")
    page.get_by_label("Summary").fill("오울루와 안동의 예술가가 함께 새로운 작품을 만듭니다.")
    page.get_by_label("Full text").fill("두 도시의 예술가 2~4명으로 이루어진 팀.\n\n각 도시에서 한 번씩, 두 번 체류합니다.")
    page.get_by_role("button", name="Save texts").click()
    expect(page.get_by_text("The texts are saved.")).to_be_visible()

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The call is now: Published.")).to_be_visible()

    visitor = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    korean = visitor.new_page()
    korean.goto(live_url + "/calls/")
    expect(korean.locator("html")).to_have_attribute("lang", "ko")
    korean.get_by_role("link", name="북쪽의 빛, 동쪽의 강: 공동 창작 2027").click()
    expect(korean.get_by_role("heading", level=1)).to_have_text("북쪽의 빛, 동쪽의 강: 공동 창작 2027")
    expect(korean.get_by_text("오울루와 안동의 예술가가 함께 새로운 작품을 만듭니다.")).to_be_visible()
    # 17:00 in Helsinki on 31 March 2030 (summer time, UTC+3) is 23:00 in Seoul.
    deadline = korean.locator(".deadline dd").first
    expect(deadline).to_contain_text("Asia/Seoul")
    expect(deadline).to_contain_text("11:00:00")
    expect(korean.locator(".deadline")).to_contain_text("Europe/Helsinki")
    korean.screenshot(path=str(tmp_path / "call_ko.png"), full_page=True)
    visitor.close()
