"""An artist in Japanese drafts over two visits, attaches a PDF, fixes a failing rule, submits, gets the receipt."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from mobility.calls import services as calls
from mobility.calls.enums import RuleKind
from mobility.db import utcnow
from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import MINIMAL_PDF, make_call, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def open_call(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager = make_user("manager", email="office2@example.eu")
        call = make_call(actor=manager, title="Residencies Chemnitz–Kamakura", publish=True,
                         texts={"en": {"title": "Residencies Chemnitz–Kamakura", "summary": "S", "body": "B"},
                                "ja": {"title": "ケムニッツ–鎌倉 レジデンス", "summary": "概要", "body": "本文"}})
        calls.save_rule(manager, call, RuleKind.DURATION, {"min": 7, "max": 21})
        make_user(email="hanako@example.jp", name="鈴木 花子", locale="ja", timezone="Asia/Tokyo")
        db.session.commit()
        return call.id


def _sign_in(page: Page, live_url: str, email: str = "hanako@example.jp") -> None:
    sign_in_page(page, live_url, email)
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def test_japanese_artist_applies_over_two_visits(browser: Browser, live_url, open_call, tmp_path):
    start = (utcnow() + timedelta(days=90)).date()
    portfolio = tmp_path / "作品集.pdf"
    portfolio.write_bytes(MINIMAL_PDF)

    # First visit: start the application, write the title and summary, save, leave.
    first = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = first.new_page()
    _sign_in(page, live_url)
    page.goto(f"{live_url}/calls/{open_call}")
    expect(page.get_by_role("heading", level=1)).to_have_text("ケムニッツ–鎌倉 レジデンス")
    page.locator("form[action$='/apply'] button").click()
    page.locator("#title").fill("潮の記憶")
    page.locator("#summary").fill("鎌倉の海辺とケムニッツの工場跡をつなぐダンス作品。")
    page.locator("#save").click()
    expect(page.locator(".flash-success")).to_be_visible()
    first.close()

    # Second visit, another browser: the draft is there; finish it with a stay that is too long.
    second = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", accept_downloads=True)
    page = second.new_page()
    _sign_in(page, live_url)
    page.goto(live_url + "/my/applications")
    page.get_by_role("link", name="潮の記憶").click()
    expect(page.locator("#summary")).to_have_value("鎌倉の海辺とケムニッツの工場跡をつなぐダンス作品。")
    page.locator("#languages-2").check()  # 日本語
    page.locator("#discipline").select_option("dance")
    page.locator("#origin_city_id").select_option(label="鎌倉市")
    page.locator("#start_date").fill(start.isoformat())
    page.locator("#end_date").fill((start + timedelta(days=29)).isoformat())
    page.locator("#host_organisation").fill("Atomino Chemnitz")
    page.locator("#host_email").fill("host@example.de")
    page.locator("#save").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.locator("#file").set_input_files(str(portfolio))
    page.locator("#upload").click()
    expect(page.locator(".file-list")).to_contain_text("作品集.pdf")

    page.goto(page.url.split("#")[0].replace("/edit", "/submit"))
    failing = page.locator(".checks li.fail")
    expect(failing).to_contain_text("30")  # 「滞在期間は 30 日です。」: the rule explains itself
    expect(page.locator("main form button[type=submit]")).to_have_count(0)  # no submit button yet
    page.screenshot(path=str(tmp_path / "failing.png"), full_page=True)

    # Fix it: two weeks.
    page.goto(page.url.replace("/submit", "/edit"))
    page.locator("#end_date").fill((start + timedelta(days=13)).isoformat())
    page.locator("#save").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(page.url.split("#")[0].replace("/edit", "/submit"))
    expect(page.locator(".checks li.pass")).to_have_count(1)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("MOB-")

    with page.expect_download() as download_info:
        page.locator("a[href$='receipt.pdf']").click()
    receipt = tmp_path / "receipt.pdf"
    download_info.value.save_as(receipt)
    assert receipt.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "submitted.png"), full_page=True)
    second.close()


def test_an_autosave_cut_off_on_its_way_back_does_not_turn_into_a_conflict(browser: Browser, live_app, live_url):
    """The server stored a save but the connection dropped before the answer: the next save goes through."""
    with live_app.app_context(), live_app.test_request_context():
        call_id = make_call(actor=make_user("manager", email="office3@example.eu"), publish=True).id
        make_user(email="taro@example.jp", name="山田 太郎", locale="ja", timezone="Asia/Tokyo")
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    _sign_in(page, live_url, "taro@example.jp")
    page.goto(f"{live_url}/calls/{call_id}")
    page.locator("form[action$='/apply'] button").click()
    # The form and its script fully loaded before the network is tampered with (a half-loaded page raced it).
    page.wait_for_url(re.compile(r"/applications/\d+/edit$"))
    page.wait_for_load_state("networkidle")
    stored = []

    def store_then_cut(route):
        stored.append(route.fetch().status)  # the server stores the save …
        route.abort("connectionreset")       # … and the answer never arrives

    title = page.locator("#title")
    page.route("**/autosave", store_then_cut)
    with page.expect_event("requestfailed"):
        title.fill("潮の記憶")
        title.dispatch_event("change")  # what leaving a changed field does: save
    assert stored == [200]
    page.unroute("**/autosave")
    with page.expect_response("**/autosave") as answer:
        title.fill("潮の記憶 — 鎌倉")
        title.dispatch_event("change")
    assert answer.value.status == 200, answer.value.text()
    expect(page.locator(".save-status")).not_to_have_class(re.compile("error"))
    page.reload()
    expect(title).to_have_value("潮の記憶 — 鎌倉")
    context.close()
