"""Every person in their own language, in a real browser: a Korean programme manager reads a Chinese application
(the Chinese text keeps its own lang and Chinese line breaking, so it stays inside its column), and a visitor
from Nova Gorica whose browser reads Korean sees their own time zone on the very first page."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from mobility.applications import services as applications
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_application, make_call, make_user

pytestmark = pytest.mark.browser
# One long Chinese paragraph: no spaces, so `word-break: keep-all` (right for Korean) would keep it on one line.
CHINESE = ("湖州的竹林与新戈里察的工厂之间，我们用竹编与金属装置讲述两座城市的手艺记忆，"
           "邀请当地居民一起参与工作坊，把日常器物变成可以触摸、可以聆听的公共艺术作品，并在展览结束后留在社区。") * 2


@pytest.fixture
def chinese_application(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager = make_user("manager", email="kim.office@example.kr", locale="ko")
        call = make_call(actor=manager, publish=True, title="Bamboo and steel")
        applicant = make_user("applicant", email="wang.lei@example.cn", locale="zh_Hans")
        application = make_application(call=call, applicant=applicant, title="竹与钢：两座城市的手艺记忆",
                                       languages=["zh"], summary=CHINESE)
        applications.submit_application(applicant, application)
        db.session.commit()
        return application.id


def _sign_in(page, live_url, email):
    sign_in_page(page, live_url, email)


def test_a_chinese_answer_on_a_korean_page_keeps_its_language_and_its_column(browser: Browser, live_url,
                                                                               chinese_application, tmp_path):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul", viewport={"width": 700, "height": 1000})
    page = context.new_page()
    _sign_in(page, live_url, "kim.office@example.kr")
    page.goto(f"{live_url}/applications/{chinese_application}")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    summary = page.locator("dl.facts p[lang='zh-Hans']").first
    expect(summary).to_contain_text(CHINESE[:20])
    expect(page.locator("h1 span[lang='zh-Hans']")).to_have_text("竹与钢：两座城市的手艺记忆")
    assert summary.evaluate("e => getComputedStyle(e).wordBreak") == "normal"
    assert page.locator("html").evaluate("e => getComputedStyle(document.body).wordBreak") == "keep-all"
    # Inside its column: the paragraph wraps, nothing reaches past the definition's box or the page.
    box = summary.evaluate("e => ({width: e.scrollWidth, column: e.parentElement.clientWidth, "
                           "page: document.documentElement.scrollWidth, view: window.innerWidth, "
                           "height: e.getBoundingClientRect().height})")
    assert box["width"] <= box["column"] and box["page"] <= box["view"], box
    assert box["height"] > 60, box  # several lines, not one
    page.screenshot(path=str(tmp_path / "korean-page-chinese-answer.png"), full_page=True)

    # The same application for its Chinese applicant: Chinese page, Chinese text, the same breaking.
    applicant = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 700, "height": 1000})
    own = applicant.new_page()
    _sign_in(own, live_url, "wang.lei@example.cn")
    own.goto(f"{live_url}/applications/{chinese_application}")
    expect(own.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(own.locator("dl.facts p[lang='zh-Hans']").first).to_contain_text(CHINESE[:20])
    own.screenshot(path=str(tmp_path / "chinese-page-chinese-answer.png"), full_page=True)
    context.close()
    applicant.close()


def test_the_very_first_page_shows_the_browsers_time_zone(browser: Browser, live_url, tmp_path):
    context = browser.new_context(locale="ko-KR", timezone_id="Europe/Ljubljana")
    page = context.new_page()
    page.goto(live_url + "/calls/")  # no cookie yet: the server guesses Asia/Seoul from the language
    footer = page.locator("footer")
    expect(footer).to_contain_text("Europe/Ljubljana")
    expect(page.locator("html")).not_to_have_attribute("data-zone-guess", "Asia/Seoul")
    assert any(c["name"] == "tz" and c["value"] == "Europe/Ljubljana" for c in context.cookies())
    page.goto(live_url + "/register")
    expect(page.locator("select#timezone")).to_have_value("Europe/Ljubljana")
    page.screenshot(path=str(tmp_path / "register-korean-browser-zone.png"), full_page=True)
    context.close()


def test_a_chinese_applicant_chooses_english_for_the_slovenian_host(browser: Browser, live_app, live_url, tmp_path):
    with live_app.app_context(), live_app.test_request_context():
        applicant = make_user("applicant", email="li.na@example.cn", locale="zh_Hans")
        application = make_application(applicant=applicant, title="竹的回声", languages=["zh"],
                                       host_email="ana@kulturnidom.si")
        application_id = application.id
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    _sign_in(page, live_url, "li.na@example.cn")
    page.goto(f"{live_url}/applications/{application_id}/edit")
    host_language = page.locator("select#host_locale")
    expect(host_language).to_have_value("en")  # nobody chose yet: English, not the applicant's Chinese
    host_language.select_option("en")
    page.locator("#host").screenshot(path=str(tmp_path / "host-language-zh.png"))
    page.locator("#save").click()
    page.get_by_role("button", name="通过电子邮件请接待机构确认").click()
    with live_app.app_context():
        from sqlalchemy import select

        from mobility.core.models import OutboxMessage

        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "ana@kulturnidom.si")).one()
        assert mail.locale == "en" and mail.subject.startswith("Please confirm a stay")
    context.close()


def test_the_rapporteur_writes_english_and_adds_the_applicants_chinese(browser: Browser, live_app, live_url, tmp_path):
    from tests.factories import make_awardable

    with live_app.app_context(), live_app.test_request_context():
        manager, call, (application,) = make_awardable()
        application.applicant.locale = "zh_Hans"
        manager.email = "rapporteur@example.eu"
        db.session.commit()
        application_id = application.id
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    _sign_in(page, live_url, "rapporteur@example.eu")
    page.goto(f"{live_url}/review/applications/{application_id}/consensus")
    page.get_by_label("Consensus summary for the applicant, in English").fill("A clear, well-paired plan.")
    chinese = page.get_by_label("The same summary in Chinese (Simplified) (optional)")
    expect(chinese).to_have_attribute("lang", "zh-Hans")
    chinese.fill("计划清晰，城市搭配得当。")
    page.locator("select.score, select[id^=score_]").first.select_option("4")
    page.locator("form").last.screenshot(path=str(tmp_path / "consensus-en-with-chinese.png"))
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(chinese).to_have_value("计划清晰，城市搭配得当。")
    context.close()
