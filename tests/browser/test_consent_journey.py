"""Consent and confirmation in the browser, in English and in Korean: the host confirms one version of the
stay and is asked again when the dates change; an applicant withdraws through a page that says what happens,
reopens before the deadline and submits again with a second receipt; the office approves an unconfirmed stay
only through a confirmation step."""
from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from mobility.applications import services as applications
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.core.models import OutboxMessage
from mobility.db import utcnow
from mobility.extensions import db
from mobility.reports import services as reports
from tests.browser.pages import sign_in_page
from tests.factories import make_application, make_awardable, make_user

pytestmark = pytest.mark.browser

def _shots(tmp_path):
    """Where the screenshots go: SCREENSHOTS=dir to keep them for looking at, else the test's tmp_path."""
    return Path(os.environ.get("SCREENSHOTS") or tmp_path)


LANGUAGES = {"en": ("en-GB", "en", "Europe/Berlin"), "ko": ("ko-KR", "ko", "Asia/Seoul")}


def _sign_in(page: Page, live_url: str, email: str, lang: str) -> None:
    sign_in_page(page, live_url, email)
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _host_links(live_app, address: str) -> list[str]:
    with live_app.app_context():
        bodies = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == address)
                                    .order_by(OutboxMessage.id)).all()
    return [m.group(0)[m.group(0).index("/host/"):] for b in bodies
            if (m := re.search(r"https?://\S+/host/confirm/\S+", b))]


@pytest.fixture
def draft(live_app, request):
    locale = request.param
    with live_app.app_context(), live_app.test_request_context():
        applicant = make_user("applicant", locale=locale, timezone=LANGUAGES[locale][2],
                              email=f"artist-{locale}-{id(request)}@example.org",
                              name="김민지" if locale == "ko" else "Anna Berger")
        host_email = f"host-{locale}-{id(request)}@example.si"
        application = make_application(applicant=applicant, host_email=host_email,
                                       host_organisation="Kulturni dom Nova Gorica",
                                       title="조수의 기억" if locale == "ko" else "Tidal memory")
        db.session.commit()
        return locale, applicant.email, host_email, application.id


@pytest.mark.parametrize("draft", ["en", "ko"], indirect=True)
def test_the_host_confirms_and_is_asked_again_when_the_dates_change(browser: Browser, live_app, live_url, draft,
                                                                    tmp_path):
    locale, email, host_email, application_id = draft
    browser_locale, lang, zone = LANGUAGES[locale]
    artist = browser.new_context(locale=browser_locale, timezone_id=zone).new_page()
    _sign_in(artist, live_url, email, lang)
    artist.goto(f"{live_url}/applications/{application_id}/edit")
    artist.locator("form[action$='/host-request'] button").click()
    expect(artist.locator(".flash-success")).to_be_visible()
    (first,) = _host_links(live_app, host_email)

    # The host (no account; the page follows the host's browser) sees what they confirm, and confirms.
    host = browser.new_context(locale=browser_locale).new_page()
    host.goto(live_url + first)
    expect(host.locator("html")).to_have_attribute("lang", lang)
    expect(host.locator(".facts")).to_contain_text("Kulturni dom Nova Gorica")
    host.screenshot(path=str(_shots(tmp_path) / f"host_request_{locale}.png"), full_page=True)
    host.locator("#name").fill("Mateja Kos")
    host.locator("#confirm").click()
    expect(host.locator(".flash-success")).to_be_visible()

    # The artist moves the last day: the confirmation no longer counts and the host is asked again.
    artist.goto(f"{live_url}/applications/{application_id}/edit")
    expect(artist.locator("#host .status-open")).to_contain_text("Mateja Kos")
    end = date.fromisoformat(artist.locator("#end_date").input_value())
    artist.locator("#end_date").fill((end - timedelta(days=4)).isoformat())
    artist.locator("#save").click()
    expect(artist.locator(".flash-success")).to_be_visible()
    expect(artist.locator("#host .status-soon")).to_be_visible()
    expect(artist.locator("#host .status-open")).to_have_count(0)
    links = _host_links(live_app, host_email)
    assert len(links) == 2

    # The old link says it no longer counts (and offers nothing to confirm); the new one shows the new dates.
    host.goto(live_url + first)
    expect(host.locator(".flash-error")).to_be_visible()
    expect(host.locator("#name")).to_have_count(0)
    host.screenshot(path=str(_shots(tmp_path) / f"host_outdated_{locale}.png"), full_page=True)
    host.goto(live_url + links[1])
    host.locator("#name").fill("Mateja Kos")
    host.locator("#confirm").click()
    expect(host.locator(".flash-success")).to_be_visible()

    # Which version was confirmed, and what changed since the first.
    artist.goto(f"{live_url}/applications/{application_id}")
    table = artist.locator("#host-confirmations table tbody tr")
    expect(table).to_have_count(2)
    expect(artist.locator("#host-confirmations .status-open")).to_be_visible()
    artist.screenshot(path=str(_shots(tmp_path) / f"host_versions_{locale}.png"), full_page=True)


@pytest.fixture
def submitted(live_app, request):
    locale = request.param
    with live_app.app_context(), live_app.test_request_context():
        applicant = make_user("applicant", locale=locale, timezone=LANGUAGES[locale][2],
                              email=f"withdraw-{locale}-{id(request)}@example.org")
        application = make_application(applicant=applicant, title="조수의 기억" if locale == "ko" else "Tidal memory")
        applications.submit_application(applicant, application)
        db.session.commit()
        return locale, applicant.email, application.id, application.reference


@pytest.mark.parametrize("submitted", ["en", "ko"], indirect=True)
def test_withdraw_reopen_and_submit_again(browser: Browser, live_app, live_url, submitted, tmp_path):
    locale, email, application_id, reference = submitted
    browser_locale, lang, zone = LANGUAGES[locale]
    page = browser.new_context(locale=browser_locale, timezone_id=zone).new_page()
    _sign_in(page, live_url, email, lang)
    page.goto(f"{live_url}/applications/{application_id}")
    page.locator(f"a[href$='/applications/{application_id}/withdraw']").click()
    expect(page.locator("#what-heading")).to_be_visible()
    expect(page.locator(".card li")).to_have_count(3)
    page.screenshot(path=str(_shots(tmp_path) / f"withdraw_{locale}.png"), full_page=True)
    page.locator("form button.danger").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".tag.status-withdrawn")).to_be_visible()

    page.locator(f"a[href$='/applications/{application_id}/reopen']").click()
    expect(page.locator("#what-heading")).to_be_visible()
    page.screenshot(path=str(_shots(tmp_path) / f"reopen_{locale}.png"), full_page=True)
    page.locator("form button.button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".flash-info")).to_contain_text(reference)  # reopened: a draft until submitted again
    page.locator("#title").fill("조수의 기억 II" if locale == "ko" else "Tidal memory II")
    with page.expect_navigation():
        page.locator("#save").click()
    page.locator(f"a[href$='/applications/{application_id}/submit']").click()
    page.locator("section[aria-labelledby=submit-heading] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#receipts-heading")).to_be_visible()
    expect(page.locator("section[aria-labelledby=receipts-heading] li")).to_have_count(2)
    expect(page.locator("section[aria-labelledby=receipts-heading]")).to_contain_text(f"{reference}-2")
    page.screenshot(path=str(_shots(tmp_path) / f"receipts_{locale}.png"), full_page=True)

    # Reopened once more and left unsubmitted: after the deadline the second submission is the one reviewed.
    page.locator(f"a[href$='/applications/{application_id}/reopen']").click()
    page.locator("form button.button[type=submit]").click()
    page.locator("#title").fill("조수의 기억 III" if locale == "ko" else "Tidal memory III")
    with page.expect_navigation():
        page.locator("#save").click()
    with live_app.app_context():
        application = db.session.get_one(Application, application_id)
        application.call.opens_at = utcnow() - timedelta(days=40)
        application.call.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page.goto(f"{live_url}/applications/{application_id}")
    expect(page.locator(".flash-info")).to_contain_text(f"{reference}-2")
    page.screenshot(path=str(_shots(tmp_path) / f"last_submission_{locale}.png"), full_page=True)
    with live_app.app_context(), live_app.test_request_context():
        assert applications.settle_deadlines() == 1  # the scheduled run
        db.session.commit()
    page.reload()
    expect(page.locator("h1")).to_have_text("조수의 기억 II" if locale == "ko" else "Tidal memory II")
    expect(page.locator(".tag.status-submitted")).to_be_visible()
    expect(page.locator("section[aria-labelledby=receipts-heading] li").first).to_contain_text(f"{reference}-2")


@pytest.fixture
def submitted_report(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.created_at -= timedelta(days=60)
        report = reports.report_for(grant)
        reports.save_report(application.applicant, report, reports.ReportData(
            actual_start=date.today() - timedelta(days=20), actual_end=date.today() - timedelta(days=1),
            activities="Workshops.", travel_mode="train", public_summary="Two cities.", language="en"))
        reports.submit_report(application.applicant, report)
        manager.locale = "ko"
        db.session.commit()
        return manager.email, grant.id


def test_the_office_approves_an_unconfirmed_stay_only_through_a_confirmation(browser: Browser, live_url,
                                                                             submitted_report, tmp_path):
    email, grant_id = submitted_report
    page = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul").new_page()
    _sign_in(page, live_url, email, "ko")
    page.goto(f"{live_url}/grants/{grant_id}/report")
    expect(page.locator("#office-heading + .status-closed")).to_be_visible()
    page.locator("#approve").click()
    expect(page.locator(".flash-error[role=alert]")).to_be_visible()
    page.screenshot(path=str(_shots(tmp_path) / "approve_unconfirmed_ko.png"), full_page=True)
    page.locator("form button.danger, form input.danger").click()
    expect(page.locator(".flash-success")).to_be_visible()
