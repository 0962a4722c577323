"""The office follows every grant on the report desk, in English and in Japanese: every accepted grant with
its report state, the late one found by the overdue filter, the list exported with the page's filters, and the
screening page of an application with its checks and neighbours."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, expect

from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_user
from tests.http.test_report_desk_http import build_desk

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/desk-shots")  # looked at by whoever changes these pages (kept outside the repository)


@pytest.fixture
def desk(live_app):
    with live_app.app_context(), live_app.test_request_context():
        world = build_desk(live_app)
        japanese = make_user("manager", locale="ja", timezone="Asia/Tokyo")
        db.session.commit()
        ids = {name: getattr(world, name).id for name in ("late", "draft", "submitted", "changes", "approved")}
        return SimpleNamespace(
            call_id=world.call.id, manager=world.manager.email, japanese=japanese.email, **ids,
            late_reference=world.late.application.reference, submitted_application=world.submitted.application_id,
            submitted_email=world.submitted.application.applicant.email)


def _sign_in(page, live_url, email):
    sign_in_page(page, live_url, email)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_office_follows_every_grant_on_the_report_desk(browser: Browser, live_url, desk, tmp_path):
    world = desk
    call_id = world.call_id
    page = browser.new_context(locale="en-GB").new_page()
    _sign_in(page, live_url, world.manager)
    page.get_by_role("link", name="Report desk").first.click()
    expect(page.locator("h1")).to_have_text("Report desk")
    page.locator("#call").select_option(str(call_id))
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.report-desk tbody tr")
    expect(rows).to_have_count(5)  # every accepted grant, with a report or without; not the declined offer
    late = page.locator(f'tr[data-grant="{world.late}"]')
    expect(late).to_contain_text("Not started")
    expect(late).to_contain_text("Overdue by 15 days")
    expect(page.locator(f'tr[data-grant="{world.approved}"]')).to_contain_text("Approved")
    expect(page.locator(f'tr[data-grant="{world.changes}"]')).to_contain_text("Changes asked")
    _shot(page, "desk-en")

    page.locator("#overdue").check()
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(page.locator("p[role=status]")).to_have_text("1 grant matches")
    page.get_by_role("button", name="Export CSV").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("#job-status")).to_have_text("Done", timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Download report-desk-.*\.csv")).click()
    path = tmp_path / "desk.csv"
    download.value.save_as(path)
    exported = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in exported[1:]] == [world.late_reference]  # the page's filters
    assert "State of the report" in exported[0] and "Not started" in exported[1]

    # From the desk to the report, and to the screening page of the application with its neighbours.
    page.goto(f"{live_url}/manage/reports?call={call_id}&state=submitted")
    page.locator("table.report-desk tbody a").first.click()
    expect(page.locator("h1")).to_have_text("Final report")
    page.goto(f"{live_url}/applications/{world.submitted_application}")
    screening = page.locator("#screening")
    expect(screening.get_by_role("heading", name="The applicant")).to_be_visible()
    expect(screening).to_contain_text(world.submitted_email)
    # Screened, then awarded: the screening recorded is shown, no longer offered to record again.
    expect(screening.get_by_role("note")).to_contain_text("Eligible")
    expect(screening.get_by_role("button", name="Record the screening")).to_have_count(0)
    expect(screening.get_by_role("link", name="Next application")).to_be_visible()
    _shot(page, "screening-en")

    japanese = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo").new_page()
    _sign_in(japanese, live_url, world.japanese)
    expect(japanese.locator("html")).to_have_attribute("lang", "ja")
    japanese.get_by_role("link", name="報告書デスク").first.click()
    expect(japanese.locator("h1")).to_have_text("報告書デスク")
    japanese.goto(f"{live_url}/manage/reports?call={call_id}")
    expect(japanese.locator("table.report-desk tbody tr")).to_have_count(5)
    expect(japanese.locator(f'tr[data-grant="{world.late}"]')).to_contain_text("未着手")
    expect(japanese.locator(f'tr[data-grant="{world.late}"]')).to_contain_text("15 日超過")
    expect(japanese.locator("body")).not_to_contain_text("Not started")
    _shot(japanese, "desk-ja")
    japanese.goto(f"{live_url}/applications/{world.submitted_application}")
    expect(japanese.locator("#screening")).to_contain_text("申請者")
    _shot(japanese, "screening-ja")


@pytest.fixture
def interim(live_app):
    from datetime import timedelta

    from mobility.awards import services as awards
    from mobility.calls import services as calls
    from mobility.calls.enums import QuestionKind, Questionnaire
    from tests.factories import make_awardable
    with live_app.app_context(), live_app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        call.interim_report_days = 10
        question = calls.save_question(
            manager, call, kind=QuestionKind.SHORT_TEXT, required=True, help={}, max_length=40, options=[],
            label={"en": "Best moment so far", "ko": "지금까지 가장 좋았던 순간"}, condition_question_id=None,
            condition_value=None, questionnaire=Questionnaire.INTERIM)
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="김민지")
        grant.created_at -= timedelta(days=30)
        application.applicant.locale = "ko"
        db.session.commit()
        return SimpleNamespace(grantee=application.applicant.email, manager=manager.email, grant=grant.id,
                               question=question.id, call=call.id)


def test_an_interim_report_written_in_korean_and_approved_in_english(browser: Browser, live_url, interim):
    artist = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul").new_page()
    _sign_in(artist, live_url, interim.grantee)
    artist.goto(f"{live_url}/grants/{interim.grant}")
    artist.get_by_role("link", name="중간 보고서").click()
    expect(artist.locator("h1")).to_have_text("중간 보고서")
    expect(artist.get_by_text("지금까지 가장 좋았던 순간")).to_be_visible()
    artist.locator("#progress").fill("워크숍 두 번을 마쳤고 다음 주에 공개 스튜디오를 엽니다.")
    artist.locator(f"#q_{interim.question}").fill("첫 워크숍" * 10)  # over the 40 characters allowed
    artist.locator("#submit").click()
    expect(artist.locator(f"#q_{interim.question}-error")).to_be_visible()
    expect(artist.locator("#progress")).to_have_value("워크숍 두 번을 마쳤고 다음 주에 공개 스튜디오를 엽니다.")
    artist.locator(f"#q_{interim.question}").fill("첫 워크숍")
    artist.locator("#submit").click()
    expect(artist.locator(".flash-success")).to_contain_text("중간 보고서가 제출되었습니다")
    expect(artist.locator(".tag").first).to_have_text("제출됨")
    _shot(artist, "interim-ko")

    office = browser.new_context(locale="en-GB").new_page()
    _sign_in(office, live_url, interim.manager)
    office.goto(f"{live_url}/manage/reports?call={interim.call}")
    # The interim report's state on the desk, beside the final report's.
    office.locator(f'tr[data-grant="{interim.grant}"]').get_by_role("link", name="Submitted").click()
    expect(office.locator("h1")).to_have_text("Interim report")
    office.get_by_role("button", name="Approve the report").click()
    expect(office.locator(".flash-success")).to_contain_text("The interim report is approved.")
    expect(office.locator(".tag").first).to_have_text("Approved")
    _shot(office, "interim-en")
