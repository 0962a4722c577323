"""A juror with the Korean UI declares a conflict of interest; only the freed seat moves — to a juror with the
Japanese UI, who finds one new application — and the office reads the declared reason (issue 18)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from mobility.applications import services as applications
from mobility.extensions import db
from mobility.review import services as review
from mobility.review.enums import PairRule
from tests.browser.pages import sign_in_page
from tests.factories import make_application, make_call, make_juror, make_user

pytestmark = pytest.mark.browser
REASON = "신청자는 제 예전 제자입니다."


@pytest.fixture
def assigned_call(live_app):
    tag = uuid.uuid4().hex[:8]
    emails = {"office": f"office.{tag}@example.eu", "korean": f"kim.{tag}@example.kr", "japanese": f"sato.{tag}@example.jp"}
    with live_app.app_context(), live_app.test_request_context():
        manager = make_user("manager", email=emails["office"])
        call = make_call(actor=manager, publish=True, title="Tides and looms")
        call.reviewers_per_application = 1
        made = []
        for title in ("Tidal memory", "Loom songs"):
            application = make_application(call=call, title=title)
            applications.submit_application(application.applicant, application)
            applications.screen_application(manager, application, eligible=True, reason=None, note=None)
            made.append(application)
        korean = make_juror(city="Andong", email=emails["korean"], name="김민지", locale="ko")
        japanese = make_juror(city="Nara", email=emails["japanese"], name="佐藤由紀", locale="ja")
        for juror in (korean, japanese):
            review.add_juror(manager, call, juror, 10)
        review.set_pair_rule(manager, made[0], korean, PairRule.PIN)
        review.set_pair_rule(manager, made[1], japanese, PairRule.PIN)
        assert review.run_assignment(manager, call).saved
        db.session.commit()
        return call.id, emails


def _sign_in(page, live_url, email):
    sign_in_page(page, live_url, email)


def test_a_declared_conflict_moves_one_seat_and_the_office_reads_why(browser: Browser, live_url, assigned_call,
                                                                      tmp_path):
    call_id, emails = assigned_call
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    korean = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    juror = korean.new_page()
    _sign_in(juror, live_url, emails["korean"])
    juror.goto(live_url + "/review/")
    expect(juror.locator("html")).to_have_attribute("lang", "ko")
    card = juror.locator("article.assignment-card", has_text="Tidal memory")
    card.locator("summary").click()
    card.locator("textarea[name=reason]").fill(REASON)
    juror.screenshot(path=str(shots / "declare_ko.png"), full_page=True)
    card.locator("button[name=answer][value=conflict]").click()
    expect(juror.locator(".flash-success")).to_be_visible()
    juror.screenshot(path=str(shots / "declared_ko.png"), full_page=True)
    korean.close()

    japanese = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    other = japanese.new_page()
    _sign_in(other, live_url, emails["japanese"])
    other.goto(live_url + "/review/")
    expect(other.locator("html")).to_have_attribute("lang", "ja")
    expect(other.locator("article.assignment-card")).to_have_count(2)  # their own seat and the freed one
    expect(other.locator("article.assignment-card", has_text="Tidal memory")).to_be_visible()
    other.screenshot(path=str(shots / "replacement_ja.png"), full_page=True)
    japanese.close()

    office = browser.new_context(locale="en-GB")
    manager = office.new_page()
    _sign_in(manager, live_url, emails["office"])
    manager.goto(f"{live_url}/manage/calls/{call_id}/assignment")
    conflicts = manager.locator("table.conflicts")
    expect(conflicts).to_contain_text(REASON)
    expect(conflicts).to_contain_text("김민지")
    expect(conflicts).to_contain_text("1 / 1")
    manager.screenshot(path=str(shots / "conflicts_en.png"), full_page=True)
    office.close()


def test_going_back_a_phase_asks_first_in_korean(browser: Browser, live_url, assigned_call, tmp_path):
    call_id, emails = assigned_call
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    office = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    manager = office.new_page()
    _sign_in(manager, live_url, emails["office"])
    manager.goto(f"{live_url}/manage/calls/{call_id}/assignment")
    manager.get_by_role("button", name="한국어").click()  # the account speaks English: switch to Korean
    expect(manager.locator("html")).to_have_attribute("lang", "ko")
    expect(manager.locator("#conflicts")).to_have_text("신고된 이해충돌")
    manager.screenshot(path=str(shots / "conflicts_ko.png"), full_page=True)
    manager.goto(f"{live_url}/manage/calls/{call_id}/ranking")
    manager.locator("select[name=phase]").select_option("panel")
    manager.locator("form[action$='/phase'] [type=submit]").click()
    expect(manager.locator(".flash-success")).to_be_visible()
    manager.locator("select[name=phase]").select_option("individual")
    manager.locator("form[action$='/phase'] [type=submit]").click()
    expect(manager.locator("h1")).to_have_text("이전 단계로 되돌릴까요?")
    expect(manager.locator(".phase-effects li")).to_have_count(3)
    manager.screenshot(path=str(shots / "phase_back_ko.png"), full_page=True)
    manager.locator("button[type=submit].danger").click()
    expect(manager.locator(".flash-success")).to_be_visible()
    expect(manager.locator("select[name=phase]")).to_have_value("individual")
    office.close()
