"""A manager runs the assignment; a juror with the Chinese UI declares no conflict and scores a Korean
application with its English translation beside it; the manager sees the ranking."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from mobility.applications import services as applications
from mobility.extensions import db
from mobility.review import services as review
from tests.factories import PASSWORD, make_application, make_call, make_juror, make_user

pytestmark = pytest.mark.browser
KOREAN = "안동 하회마을의 탈춤을 켐니츠의 공장 공간에서 새롭게 해석하는 공동 작업입니다."
ENGLISH = "A new reading of the Hahoe mask dance of Andong in the factory halls of Chemnitz."


@pytest.fixture
def korean_application(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager = make_user("manager", email="panel@example.eu")
        call = make_call(actor=manager, publish=True, title="Mask and machine")
        call.reviewers_per_application = 1
        application = make_application(call=call, title="하회탈과 기계", languages=["ko"], summary=KOREAN)
        application.summary_translations = {"en": ENGLISH}
        applications.submit_application(application.applicant, application)
        applications.screen_application(manager, application, eligible=True, reason=None, note=None)
        juror = make_juror(reads=("ko", "en"), city="Huzhou", email="wang.fang@example.cn", name="王芳",
                           locale="zh_Hans")
        review.add_juror(manager, call, juror, 10)
        db.session.commit()
        return call.id, [c.id for c in call.criteria], application.reference


def test_assignment_review_in_chinese_and_ranking(browser: Browser, live_url, korean_application, tmp_path):
    call_id, criteria, reference = korean_application
    office = browser.new_context(locale="en-GB")
    manager = office.new_page()
    manager.goto(live_url + "/sign-in")
    manager.locator("#email").fill("panel@example.eu")
    manager.locator("#password").fill(PASSWORD)
    manager.locator("#submit").click()
    manager.goto(f"{live_url}/manage/calls/{call_id}/assignment")
    manager.get_by_role("button", name="Run the assignment").click()
    expect(manager.locator("main")).to_contain_text("Seats filled: 1")

    chinese = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    juror = chinese.new_page()
    juror.goto(live_url + "/sign-in")
    juror.locator("#email").fill("wang.fang@example.cn")
    juror.locator("#password").fill(PASSWORD)
    juror.locator("#submit").click()
    juror.goto(live_url + "/review/")
    expect(juror.locator("html")).to_have_attribute("lang", "zh-Hans")
    juror.locator("button[name=answer][value=none]").click()

    expect(juror.locator(".original")).to_contain_text(KOREAN)
    expect(juror.locator(".original")).to_have_attribute("lang", "ko")
    expect(juror.locator(".translation")).to_contain_text(ENGLISH)
    for criterion_id, score in zip(criteria, ("4.5", "4", "3.5")):
        juror.locator(f"#score_{criterion_id}").select_option(score)
    expect(juror.locator("#total")).to_have_text("12")
    juror.locator(f"#comment_{criteria[0]}").fill("非常有想象力的跨文化项目。")
    juror.screenshot(path=str(tmp_path / "review_zh.png"), full_page=True)
    juror.locator("#submit").click()
    expect(juror.locator(".flash-success")).to_be_visible()
    chinese.close()

    manager.goto(f"{live_url}/manage/calls/{call_id}/ranking")
    row = manager.locator("table.ranking tbody tr").first
    expect(row).to_contain_text(reference)
    expect(row).to_contain_text("12.00")
    manager.screenshot(path=str(tmp_path / "ranking.png"), full_page=True)
    office.close()
