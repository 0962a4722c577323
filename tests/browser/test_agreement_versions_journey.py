"""A grantee accepts the agreement, asks for a longer stay, the office approves it, and the grantee sees version
2 waiting, reads it and accepts it: in English and in Chinese (the office works in English)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from mobility.awards import queries, services
from mobility.awards.enums import AgreementStatus
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_awardable

pytestmark = pytest.mark.browser

TEXTS = {
    "en": {"lang": "en", "browser": "en-GB", "waiting": "Version 2 of the agreement awaits your acceptance",
           "name": "Suzuki Hanako", "accepted": "Accepted by Suzuki Hanako"},
    "zh_Hans": {"lang": "zh-Hans", "browser": "zh-CN", "waiting": "第 2 版协议等待您的接受", "name": "李娜",
                "accepted": "李娜"},
}


@pytest.fixture
def offered(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, call, (application,) = make_awardable(budget="6000")
        grant = services.award_application(manager, application, "Excellent")
        db.session.commit()
        return {"manager": manager.email, "grantee": application.applicant, "grant": grant.id, "call": call.id,
                "start": grant.start_date}


def _sign_in(browser: Browser, live_url, email, locale="en-GB"):
    context = browser.new_context(locale=locale, timezone_id="Europe/Berlin")
    page = context.new_page()
    sign_in_page(page, live_url, email)
    return context, page


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_grantee_accepts_the_office_amends_and_the_grantee_accepts_version_2(browser: Browser, live_app,
                                                                                 live_url, offered, locale,
                                                                                 tmp_path):
    texts = TEXTS[locale]
    with live_app.app_context():
        grantee = db.session.merge(offered["grantee"])
        grantee.locale = locale
        email = grantee.email
        db.session.commit()
    grant_page = f"{live_url}/grants/{offered['grant']}"

    context, page = _sign_in(browser, live_url, email, texts["browser"])
    page.goto(grant_page)
    expect(page.locator("html")).to_have_attribute("lang", texts["lang"])
    expect(page.locator("table.versions tbody tr")).to_have_count(1)
    page.locator("#name").fill(texts["name"])
    page.locator("#accept").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".version-1")).to_contain_text(texts["accepted"])
    expect(page.locator(".instalment-1 .due")).to_contain_text("2,345")

    # The grantee asks to stay 40 days instead of 30.
    page.locator("details.card summary").click()
    page.locator("#end_date").fill((offered["start"] + timedelta(days=39)).isoformat())
    page.locator("#submit").click()
    expect(page.locator(".flash-success")).to_be_visible()

    # The office approves it on its grants page.
    office, office_page = _sign_in(browser, live_url, offered["manager"])
    office_page.goto(f"{live_url}/manage/calls/{offered['call']}/grants")
    office_page.locator("form[action$='/approve'] button").click()
    expect(office_page.locator(".flash-success")).to_be_visible()
    expect(office_page.get_by_text("Version 2 awaits acceptance")).to_be_visible()

    # Version 2 waits: nothing more is due until the grantee accepts it.
    page.goto(grant_page)
    waiting = page.locator("#awaiting")
    expect(waiting).to_contain_text(texts["waiting"])
    expect(waiting).to_contain_text("4,200")
    expect(page.locator(".instalment-1 .due")).to_have_count(0)
    expect(page.locator(".version-1")).to_contain_text(texts["accepted"])  # still on record as accepted
    expect(page.locator(".version-2")).not_to_contain_text(texts["accepted"])
    with page.expect_download() as download:
        waiting.locator("a[href$='/agreement/2.pdf']").click()
    assert download.value.suggested_filename.endswith("-v2.pdf")
    page.screenshot(path=str(tmp_path / f"version2_waiting_{locale}.png"), full_page=True)
    waiting.locator("#name").fill(texts["name"])
    waiting.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#awaiting")).to_have_count(0)
    expect(page.locator(".version-2")).to_contain_text(texts["accepted"])
    expect(page.locator(".instalment-1 .due")).to_contain_text("2,940")  # 70 % of €4,200
    page.screenshot(path=str(tmp_path / f"version2_accepted_{locale}.png"), full_page=True)

    # The office sees both versions, each with its own acceptance.
    office_page.goto(grant_page)
    expect(office_page.locator("table.versions tbody tr")).to_have_count(2)
    expect(office_page.locator(".version-1")).to_contain_text("Replaced by a later version")
    expect(office_page.locator(".version-2")).to_contain_text("Accepted")
    office_page.screenshot(path=str(tmp_path / f"versions_office_{locale}.png"), full_page=True)
    with live_app.app_context():
        first, second = queries.versions_of(offered["grant"])
        assert first.terms["amount"] == "3350.00" and first.accepted_name == texts["name"] and first.pdf
        assert second.status is AgreementStatus.ACCEPTED and second.terms["amount"] == "4200.00"
    office.close()
    context.close()
