"""Drafts are never lost (issue 18), in the browser, in Japanese and in English: an autosave still lands after the
page's token expired; a failing server is said loudly (never an old "saved at" over unsaved text) and the save
is tried again until it lands; leaving with unsaved changes asks first; the final report autosaves too, a photo
added before saving keeps the typed report, and the two-versions page marks what differs."""
from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from mobility.awards import services as awards
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import MINIMAL_PDF, MINIMAL_PNG, make_awardable, make_call, make_user

pytestmark = pytest.mark.browser


def _sign_in(page: Page, live_url: str, email: str, lang: str) -> None:
    sign_in_page(page, live_url, email)
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _new_application(page: Page, live_url: str, call_id: int) -> None:
    page.goto(f"{live_url}/calls/{call_id}")
    page.locator("form[action$='/apply'] button").click()
    page.wait_for_url(re.compile(r"/applications/\d+/edit$"))
    page.wait_for_load_state("networkidle")  # the form and its script fully loaded


@pytest.fixture(scope="module")
def drafting(live_app):
    """An open call and two applicants, one writing in Japanese, one in English."""
    with live_app.app_context(), live_app.test_request_context():
        call_id = make_call(actor=make_user("manager", email="drafts-office@example.eu"), publish=True).id
        make_user(email="drafts-ja@example.jp", name="佐藤 海", locale="ja", timezone="Asia/Tokyo")
        make_user(email="drafts-en@example.eu", name="Mara Novak", locale="en", timezone="Europe/Ljubljana")
        make_user(email="drafts-en2@example.eu", name="Jan Kralj", locale="en", timezone="Europe/Ljubljana")
        db.session.commit()
    return call_id


def test_an_autosave_lands_after_the_pages_token_expired(browser: Browser, live_app, live_url, drafting, tmp_path):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    _sign_in(page, live_url, "drafts-ja@example.jp", "ja")
    _new_application(page, live_url, drafting)
    title, status = page.locator("#title"), page.locator(".save-status")
    expect(status).to_contain_text("最終保存")
    live_app.config["WTF_CSRF_TIME_LIMIT"] = 1
    try:
        time.sleep(2.2)  # the token the page was given is now too old
        with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=15000):
            title.fill("潮の記憶")
            expect(status).to_have_text("まだ保存されていない変更があります")  # never the old time over new text
            title.dispatch_event("change")  # leaving a changed field saves
    finally:
        live_app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    expect(status).to_contain_text("保存")
    expect(status).not_to_have_class(re.compile("unsaved"))
    expect(page.locator(".save-alert")).to_be_empty()
    page.screenshot(path=str(tmp_path / "autosave_after_expiry_ja.png"), full_page=True)
    page.reload()
    expect(title).to_have_value("潮の記憶")
    # Typed, then a file attached with the page's other form: the text is saved before the file goes.
    portfolio = tmp_path / "作品集.pdf"
    portfolio.write_bytes(MINIMAL_PDF)
    page.locator("#summary").fill("鎌倉の海辺とケムニッツの工場跡をつなぐダンス作品。")
    page.locator("#file").set_input_files(str(portfolio))
    page.locator("#upload").click()
    expect(page.locator(".file-list")).to_contain_text("作品集.pdf")
    expect(page.locator("#summary")).to_have_value("鎌倉の海辺とケムニッツの工場跡をつなぐダンス作品。")
    context.close()


def test_a_failing_server_is_said_loudly_and_the_save_is_tried_again(browser: Browser, live_url, drafting, tmp_path):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Ljubljana")
    page = context.new_page()
    _sign_in(page, live_url, "drafts-en@example.eu", "en")
    _new_application(page, live_url, drafting)
    failed = []

    def fail(route):
        failed.append(route.request.url)
        route.fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")

    page.route("**/autosave", fail)
    summary, status, alert = page.locator("#summary"), page.locator(".save-status"), page.locator(".save-alert")
    summary.fill("A dance piece between the Kamakura shore and a Chemnitz factory.")
    summary.dispatch_event("change")
    expect(alert).to_contain_text("Not saved: the server did not store your last changes")
    expect(alert).to_contain_text("Trying again in 5 s.")
    expect(page.get_by_role("alert")).to_contain_text("do not close it")
    expect(status).to_have_text("Changes not saved yet")  # not "Last saved: …" over the unsaved summary
    page.screenshot(path=str(tmp_path / "save_failed_en.png"), full_page=True)
    assert failed
    # Leaving now asks first (the browser's own words), and staying keeps the text.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with page.expect_event("dialog"):
        page.locator("main p.muted a").first.click()  # tries to save first; not stored, so it asks
    assert dialogs == ["beforeunload"]
    expect(summary).to_have_value("A dance piece between the Kamakura shore and a Chemnitz factory.")
    # The server is back: the next try lands, and the page says so.
    page.unroute("**/autosave")
    expect(status).to_contain_text("Saved at", timeout=45000)
    expect(alert).to_be_empty()
    dialogs.clear()
    page.locator("main p.muted a").first.click()  # everything saved: no question on leaving
    page.wait_for_url(re.compile(r"/calls/\d+$"))
    assert dialogs == []
    page.go_back()
    expect(page.locator("#summary")).to_have_value("A dance piece between the Kamakura shore and a Chemnitz factory.")
    # Typed and straight to "Check and submit": saved on the way, nothing asked.
    page.locator("#title").fill("Tidal Memory")
    page.locator("a[href$='/submit']").click()
    page.wait_for_url(re.compile(r"/submit$"))
    assert dialogs == []
    page.go_back()
    expect(page.locator("#title")).to_have_value("Tidal Memory")
    page.reload()
    expect(page.locator("#title")).to_have_value("Tidal Memory")
    context.close()


@pytest.fixture
def grantee(live_app):
    with live_app.app_context(), live_app.test_request_context():
        _manager, _call, (application,) = make_awardable()
        grant = awards.award_application(_manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="佐藤 海")
        grant.created_at -= timedelta(days=60)  # awarded two months ago: the stay is over
        applicant = application.applicant
        applicant.locale, applicant.timezone = "ja", "Asia/Tokyo"
        db.session.commit()
        return applicant.email, grant.id


def test_the_report_autosaves_keeps_its_text_with_a_photo_and_compares_two_versions(
        browser: Browser, live_url, grantee, tmp_path):
    email, grant_id = grantee
    photo = tmp_path / "opening.png"
    photo.write_bytes(MINIMAL_PNG)
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    _sign_in(page, live_url, email, "ja")
    page.goto(f"{live_url}/grants/{grant_id}/report")
    page.wait_for_load_state("networkidle")
    today = date.today()
    page.locator("#actual_start").fill((today - timedelta(days=20)).isoformat())
    page.locator("#actual_end").fill((today - timedelta(days=6)).isoformat())
    activities = page.locator("#activities")
    with page.expect_response(lambda r: r.url.endswith("/report/autosave") and r.status == 200):
        activities.fill("旧工場で音のワークショップを三回開きました。")
        activities.dispatch_event("change")
    expect(page.locator(".save-status")).to_contain_text("保存")
    # Typed, not saved yet, then a photo: the text goes with it.
    page.locator("#public_summary").fill("鎌倉とケムニッツ、二つの町をつなぐ音。")
    page.locator("#photo").set_input_files(str(photo))
    page.locator("#caption").fill("最初の公演")
    page.locator("#upload").click()
    expect(page.locator(".flash-success").first).to_be_visible()
    expect(page.locator(".photo-list img")).to_have_count(1)
    expect(page.locator("#public_summary")).to_have_value("鎌倉とケムニッツ、二つの町をつなぐ音。")
    expect(activities).to_have_value("旧工場で音のワークショップを三回開きました。")
    page.screenshot(path=str(tmp_path / "report_with_photo_ja.png"), full_page=True)

    # Two windows: the first saves, the second (loaded before) changes the travel mode and is told.
    other = context.new_page()
    other.goto(f"{live_url}/grants/{grant_id}/report")
    other.wait_for_load_state("networkidle")
    with page.expect_response(lambda r: r.url.endswith("/report/autosave") and r.status == 200):
        page.locator("#travel_mode").select_option("train")
    with other.expect_response(lambda r: r.url.endswith("/report/autosave") and r.status == 409):
        other.locator("#travel_mode").select_option("plane")
    expect(other.locator(".save-alert")).to_contain_text("別のウィンドウ")
    other.locator("#save").click()
    expect(other.locator("h1")).to_have_text("報告書の2つの版")
    differing = other.locator("tr.differs")
    expect(differing).to_have_count(1)
    expect(differing).to_contain_text("相違あり")
    expect(differing.locator("td").nth(0)).not_to_have_text("plane")
    expect(other.locator("tr[data-field='activities']")).to_have_class("same")
    other.screenshot(path=str(tmp_path / "report_two_versions_ja.png"), full_page=True)
    other.locator("main form button[type=submit], main form input[type=submit]").last.click()
    expect(other.locator(".flash-success").first).to_be_visible()
    expect(other.locator("#travel_mode")).to_have_value("plane")
    context.close()


def test_the_application_two_versions_page_in_english(browser: Browser, live_url, drafting, tmp_path):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Ljubljana")
    first = context.new_page()
    _sign_in(first, live_url, "drafts-en2@example.eu", "en")
    _new_application(first, live_url, drafting)
    second = context.new_page()
    second.goto(first.url)
    second.wait_for_load_state("networkidle")
    first.locator("#title").fill("Tidal Memory")
    first.locator("#discipline").select_option("dance")
    first.locator("#save").click()
    expect(first.locator(".flash-success")).to_be_visible()
    second.locator("#discipline").select_option("music")
    expect(second.locator(".save-alert")).to_contain_text("changed in another window")
    second.locator("#save").click()
    expect(second.locator("h1")).to_have_text("Two versions of your draft")
    expect(second.locator("tr.differs[data-field='discipline']")).to_contain_text("Music")
    expect(second.locator("tr.differs[data-field='discipline']")).to_contain_text("Dance")
    expect(second.locator("tr.differs[data-field='title']")).to_contain_text("Differs")
    expect(second.locator(".compare-summary")).to_contain_text("2 fields differ")
    second.screenshot(path=str(tmp_path / "application_two_versions_en.png"), full_page=True)
    context.close()
