"""An awarded artist in Korean reads the breakdown, accepts the agreement and sees the first instalment due."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from mobility.awards import services
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_awardable

pytestmark = pytest.mark.browser


@pytest.fixture
def korean_grantee(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, _call, (application,) = make_awardable()
        applicant = application.applicant
        applicant.locale, applicant.timezone = "ko", "Asia/Seoul"
        grant = services.award_application(manager, application, "Excellent")
        db.session.commit()
        return applicant.email, application.id, grant.id


def test_korean_grantee_accepts_and_sees_the_first_instalment_due(browser: Browser, live_url, korean_grantee, tmp_path):
    email, application_id, grant_id = korean_grantee
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    page = context.new_page()
    sign_in_page(page, live_url, email)
    expect(page.locator("html")).to_have_attribute("lang", "ko")

    page.goto(f"{live_url}/applications/{application_id}")
    page.locator(f"a[href$='/grants/{grant_id}']").click()
    breakdown = page.locator("table.breakdown")
    expect(breakdown.locator("tbody tr")).to_have_count(2)   # travel band and daily allowance
    expect(breakdown.locator("tfoot")).to_contain_text("3,350")
    expect(page.locator(".instalment-1 .due")).to_have_count(0)  # nothing is due before accepting

    page.locator("#name").fill("박서연")
    page.locator("#accept").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".instalment-1 .due")).to_contain_text("2,345")
    expect(page.locator(".instalment-2 .due")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "grant_ko.png"), full_page=True)
    context.close()
