"""Locking the panel goes through a confirmation that names the applications still undecided (English,
then Japanese)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from mobility.awards import services
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_awardable

pytestmark = pytest.mark.browser


@pytest.fixture
def panel(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, call, (first, second) = make_awardable(applications=2)
        services.award_application(manager, first, "Excellent")
        db.session.commit()
        return manager.email, call.id, second.reference


@pytest.mark.parametrize("locale, browser_locale, lock_label", [("en", "en-GB", "Lock with applications undecided"),
                                                               ("ja", "ja-JP", "未決定の申請を残したままロックする")])
def test_locking_asks_first_and_names_the_undecided(browser: Browser, live_app, live_url, panel, tmp_path, locale,
                                                    browser_locale, lock_label):
    email, call_id, undecided = panel
    with live_app.app_context():
        from sqlalchemy import select

        from mobility.accounts.models import User

        db.session.scalar(select(User).where(User.email == email)).locale = locale
        db.session.commit()
    context = browser.new_context(locale=browser_locale)
    page = context.new_page()
    sign_in_page(page, live_url, email)
    page.goto(f"{live_url}/manage/calls/{call_id}/ranking")
    page.locator(f"a[href$='/manage/calls/{call_id}/lock']").click()
    warning = page.locator("[role=alert].undecided")
    expect(warning).to_contain_text(undecided)
    page.screenshot(path=str(tmp_path / f"confirm_lock_{locale}.png"), full_page=True)
    page.get_by_role("button", name=lock_label).click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"a[href$='/manage/calls/{call_id}/lock']")).to_have_count(0)
    context.close()
