"""A grant lowered by its final report after the first instalment was paid: the grantee (English) sees
what is still to pay; once an overpayment has happened, the office (Chinese) and the grantee (Korean) see it
flagged for recovery, and no payment form is offered."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from mobility.awards.models import Payment
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_lowered_grant

pytestmark = pytest.mark.browser


@pytest.fixture
def lowered(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, grant = make_lowered_grant()
        manager.locale = "zh_Hans"
        db.session.commit()
        return manager.email, grant.application.applicant.email, grant.id, grant.call_id


def _sign_in(browser: Browser, live_url: str, email: str, locale: str):
    context = browser.new_context(locale=locale, timezone_id="Asia/Shanghai")
    page = context.new_page()
    sign_in_page(page, live_url, email)
    return context, page


def test_the_grant_page_shows_what_remains_and_flags_an_overpayment(browser: Browser, live_app, live_url, lowered,
                                                                    tmp_path):
    manager_email, grantee_email, grant_id, call_id = lowered
    context, page = _sign_in(browser, live_url, grantee_email, "en-GB")
    page.goto(f"{live_url}/grants/{grant_id}")
    expect(page.locator(".remaining")).to_contain_text("Still to pay: €197.50")
    expect(page.locator(".instalment-2 .due")).to_contain_text("€197.50")
    expect(page.locator(".overpaid")).to_have_count(0)
    expect(page.locator("#breakdown-heading + p")).to_contain_text("10 days")
    page.screenshot(path=str(tmp_path / "grant_remaining_en.png"), full_page=True)
    context.close()

    with live_app.app_context():  # what the old rule let through: the second instalment at 30 % of €1,650
        db.session.add(Payment(grant_id=grant_id, instalment=2, amount=Decimal("495.00"), reference="OLD-2",
                               paid_on=date.today()))
        db.session.commit()

    context, page = _sign_in(browser, live_url, manager_email, "zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.goto(f"{live_url}/grants/{grant_id}")
    flag = page.locator("[role=alert].overpaid")
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("297.50")
    expect(page.locator(".instalment-2.state-overpaid")).to_have_count(1)
    expect(page.locator("#record-heading")).to_have_count(0)  # nothing more can be paid
    page.screenshot(path=str(tmp_path / "grant_overpaid_manager.png"), full_page=True)
    page.goto(f"{live_url}/manage/calls/{call_id}/grants")
    expect(page.locator(f"tr.grant-{grant_id}.overpaid strong.overpaid")).to_contain_text("297.50")
    page.screenshot(path=str(tmp_path / "grants_overpaid_manager.png"), full_page=True)
    context.close()

    with live_app.app_context():
        from sqlalchemy import select

        from mobility.accounts.models import User

        db.session.scalar(select(User).where(User.email == grantee_email)).locale = "ko"
        db.session.commit()
    context, page = _sign_in(browser, live_url, grantee_email, "ko-KR")
    page.goto(f"{live_url}/grants/{grant_id}")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("[role=alert].overpaid")).to_contain_text("297.50")
    page.screenshot(path=str(tmp_path / "grant_overpaid_ko.png"), full_page=True)
    context.close()
