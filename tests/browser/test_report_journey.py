"""A grantee writes the final report in Chinese, the host confirms the stay from the e-mailed link, and the
manager approves the report and sees the pair's dashboard count it."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from mobility.awards import services as awards
from mobility.calls import services as calls
from mobility.calls.enums import QuestionKind, Questionnaire
from mobility.core.models import OutboxMessage
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_awardable

pytestmark = pytest.mark.browser
SUMMARY = "在开姆尼茨的旧工厂里，两位艺术家用声音和影像讲述镰仓的海。"


@pytest.fixture
def chinese_grantee(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="李娜")
        grant.created_at -= timedelta(days=60)  # awarded two months ago: the stay is over
        applicant = application.applicant
        applicant.locale, applicant.timezone = "zh_Hans", "Asia/Shanghai"
        question = calls.save_question(
            manager, call, kind=QuestionKind.SINGLE_CHOICE, required=True, help={}, max_length=None,
            label={"en": "Will you keep working with your host?", "zh_Hans": "你会继续与接待机构合作吗？"},
            options=[{"value": "yes", "labels": {"en": "Yes", "zh_Hans": "会"}},
                     {"value": "no", "labels": {"en": "No", "zh_Hans": "不会"}}],
            condition_question_id=None, condition_value=None, questionnaire=Questionnaire.REPORT)
        db.session.commit()
        return (applicant.email, manager.email, application.host_email, grant.id, grant.pair_id, question.id)


def _sign_in(page, live_url, email):
    sign_in_page(page, live_url, email)


def _approved_reports(page) -> int:
    card = page.locator(".figures .card", has=page.locator("a[href*='/manage/dashboard/reports']"))
    return int(card.locator(".figure").inner_text().replace(",", ""))


def test_report_in_chinese_confirmed_by_the_host_and_approved(browser: Browser, live_app, live_url,
                                                              chinese_grantee, tmp_path):
    grantee_email, manager_email, host_email, grant_id, pair_id, question_id = chinese_grantee
    office = browser.new_context(locale="en-GB")
    manager = office.new_page()
    _sign_in(manager, live_url, manager_email)
    manager.goto(f"{live_url}/manage/dashboard?pair={pair_id}")
    before = _approved_reports(manager)

    artist = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    _sign_in(artist, live_url, grantee_email)
    expect(artist.locator("html")).to_have_attribute("lang", "zh-Hans")
    artist.goto(f"{live_url}/grants/{grant_id}/report")
    expect(artist.locator("h1")).to_have_text("结项报告")
    today = date.today()
    artist.locator("#actual_start").fill((today - timedelta(days=20)).isoformat())
    artist.locator("#actual_end").fill((today - timedelta(days=6)).isoformat())
    artist.locator("#activities").fill("在旧工厂举办了三场声音工作坊和一次开放工作室。")
    artist.locator("#co_creations").fill("一部与当地音乐人合作的声音装置。")
    artist.locator("#audience").fill("-40")
    artist.locator("#travel_mode").select_option("train")
    artist.locator("#public_summary").fill(SUMMARY)
    artist.locator("#submit").click()
    expect(artist.locator("#audience-error")).to_be_visible()          # refused on its field, in Chinese
    expect(artist.locator("#audience-error")).to_contain_text("负数")
    expect(artist.locator("#public_summary")).to_have_value(SUMMARY)   # what was typed is kept
    artist.locator("#audience").fill("240")
    artist.locator(f"#q_{question_id}-0").check()
    artist.locator("#submit").click()
    expect(artist.locator(".flash-success")).to_be_visible()
    expect(artist.locator("#public_summary")).to_be_disabled()          # submitted: no more changes
    artist.screenshot(path=str(tmp_path / "report_zh.png"), full_page=True)

    with live_app.app_context():
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == host_email)
                                  .order_by(OutboxMessage.id.desc())).first()
        link = re.search(r"https?://\S+/host/report/\S+", mail.body).group(0)
    host = browser.new_context(locale="de-DE").new_page()
    host.goto(live_url + link[link.index("/host/report/"):])
    host.locator("#name").fill("Katrin Vogel")
    host.locator("#confirm").click()
    expect(host.locator(".flash-success")).to_be_visible()

    manager.goto(f"{live_url}/grants/{grant_id}/report")
    expect(manager.locator("body")).to_contain_text("Katrin Vogel")
    expect(manager.locator(f"#q_{question_id}-0")).to_be_checked()
    manager.locator("#approve").click()
    expect(manager.locator(".flash-success")).to_be_visible()
    manager.goto(f"{live_url}/manage/dashboard?pair={pair_id}")
    assert _approved_reports(manager) == before + 1
    manager.goto(f"{live_url}/pairs/{pair_id}")
    expect(manager.locator(".exchange-list")).to_contain_text(SUMMARY)
    expect(manager.locator(".pair-map svg")).to_be_visible()
    manager.screenshot(path=str(tmp_path / "pair_after_approval.png"), full_page=True)
    office.close()
