"""An admin in Korean sets up a programme and names its manager; the manager, in Chinese, then sees that
programme's calls and creates one in it, but not the other programme's call, until the admin moves that call
into the new programme."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_call, make_pair, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def people(live_app):
    with live_app.app_context(), live_app.test_request_context():
        admin = make_user("admin", locale="ko", timezone="Asia/Seoul")
        manager = make_user("manager", name="王芳", locale="zh_Hans", timezone="Asia/Shanghai", programme=None)
        other = make_call(actor=make_user("manager", programme="Bourges ⇄ Jeonju"), title="Jeonju residencies")
        make_pair()
        db.session.commit()
        return admin.email, manager.email, other.id


def _sign_in(browser: Browser, live_url: str, email: str, locale: str):
    page = browser.new_context(locale=locale).new_page()
    sign_in_page(page, live_url, email)
    return page


def test_an_admin_sets_up_a_programme_and_its_manager_runs_only_its_calls(browser: Browser, live_url, people,
                                                                           tmp_path):
    admin_email, manager_email, other_call_id = people
    admin = _sign_in(browser, live_url, admin_email, "ko-KR")
    admin.get_by_role("link", name="프로그램").click()
    expect(admin.locator("h1")).to_have_text("프로그램")
    admin.locator("#name").fill("Chemnitz 2025 ⇄ Kamakura")
    admin.locator("#submit").click()
    expect(admin.locator("h1")).to_have_text("Chemnitz 2025 ⇄ Kamakura")
    admin.locator("#email").fill("nobody@example.org")
    admin.locator("#submit").click()
    expect(admin.locator("#email-error")).to_have_text("이 이메일 주소로 된 계정이 없습니다.")
    admin.locator("#email").fill(manager_email)
    admin.locator("#submit").click()
    expect(admin.locator(".item-list").first).to_contain_text("王芳")
    admin.screenshot(path=str(tmp_path / "programme_ko.png"), full_page=True)

    manager = _sign_in(browser, live_url, manager_email, "zh-CN")
    manager.get_by_role("link", name="征集管理").click()
    expect(manager.locator("main")).not_to_contain_text("Jeonju residencies")
    manager.locator("a.button", has_text="新建征集").click()
    # One programme: it is chosen already.
    expect(manager.locator("#programme_id")).to_have_value(manager.locator("#programme_id option").first
                                                           .get_attribute("value"))
    expect(manager.locator("#programme_id option")).to_have_count(1)
    manager.locator("#title").fill("Kamakura residencies 2027")
    manager.locator("input[name=pair_ids]").first.check()
    manager.locator("#opens_at").fill("2027-03-01T09:00")
    manager.locator("#closes_at").fill("2027-04-30T18:00")
    manager.locator("#submit").click()
    expect(manager.locator("h1")).to_have_text("Kamakura residencies 2027")
    expect(manager.locator("main")).to_contain_text("Chemnitz 2025 ⇄ Kamakura")
    manager.get_by_role("link", name="征集管理").click()
    expect(manager.locator("table")).to_contain_text("Kamakura residencies 2027")
    expect(manager.locator("table")).not_to_contain_text("Jeonju residencies")
    manager.screenshot(path=str(tmp_path / "calls_zh.png"), full_page=True)

    # The admin moves the other programme's call into this one: from then on it is this manager's.
    admin.goto(f"{live_url}/manage/calls/{other_call_id}/settings")
    admin.locator("#move-programme_id").select_option(label="Chemnitz 2025 ⇄ Kamakura")
    admin.locator("#programme-heading").scroll_into_view_if_needed()
    admin.screenshot(path=str(tmp_path / "move_ko.png"))
    admin.get_by_role("button", name="공모 이동").click()
    expect(admin.locator(".flash-success")).to_contain_text("Chemnitz 2025 ⇄ Kamakura")
    manager.reload()
    expect(manager.locator("table")).to_contain_text("Jeonju residencies")
