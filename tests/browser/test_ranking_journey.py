"""Two managers, one ranking: the page is shown from the memoised ranking, its forms work, and a decision
taken on it shows at once, for the one who took it and for the colleague in another browser."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_awardable, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def panel_call(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, call, made = make_awardable(applications=2, title="Harbour and hills")
        manager.email, manager.locale = "kim.jiwoo@example.kr", "ko"
        colleague = make_user("manager", email="lena@example.de", programme=None)
        colleague.programmes = list(manager.programmes)
        db.session.commit()
        return call.id, [a.reference for a in made], [a.id for a in made]


def _sign_in(page: Page, live_url: str, email: str) -> None:
    sign_in_page(page, live_url, email)


def test_a_decision_on_the_ranking_shows_at_once_for_both_managers(browser: Browser, live_url, panel_call,
                                                                      tmp_path):
    call_id, references, application_ids = panel_call
    ranking = f"{live_url}/manage/calls/{call_id}/ranking"

    korean = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    kim = korean.new_page()
    _sign_in(kim, live_url, "kim.jiwoo@example.kr")
    kim.goto(ranking)
    expect(kim.locator("html")).to_have_attribute("lang", "ko")
    kim.reload()  # the second time from the memoised ranking
    expect(kim.locator("table.ranking tbody tr")).to_have_count(2)

    german = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    lena = german.new_page()
    _sign_in(lena, live_url, "lena@example.de")
    lena.goto(ranking)
    expect(lena.locator("html")).to_have_attribute("lang", "en")
    expect(lena.locator("table.ranking .tag")).to_have_count(0)

    first = application_ids[0]
    kim.locator(f"#decision-{first}").select_option("award")
    kim.locator(f"#reason-{first}").fill("가장 설득력 있는 교류 계획")
    kim.locator(f"#decision-{first} ~ button").click()
    # Below the call's thresholds: the award asks first, saying so.
    expect(kim.locator("h1")).to_contain_text("기준 점수에 못 미치는")
    kim.get_by_role("button", name="그래도 지원 결정").click()
    expect(kim.locator(".flash-success")).to_be_visible()
    expect(kim.locator("table.ranking .tag")).to_have_count(1)
    kim.screenshot(path=str(tmp_path / "ranking_ko.png"), full_page=True)
    kim.reload()
    expect(kim.locator(".flash-success")).to_have_count(0)  # a message is shown once

    lena.reload()
    expect(lena.locator("table.ranking .tag")).to_have_count(1)
    expect(lena.locator("table.ranking .tag")).to_have_text("Award")
    lena.screenshot(path=str(tmp_path / "ranking_en.png"), full_page=True)
    korean.close()
    german.close()
