"""The application form during a database outage (issue 19): every save is answered 503, the typed text is
kept in the browser and tried again, a reload brings it back (it is newer than the server's), and once the
database is back it is saved and the browser's copy is removed. A copy older than the server's version is
not put back over it."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from mobility.applications.models import Application
from mobility.extensions import db
from tests.browser.test_drafts_journey import _new_application, _sign_in
from tests.factories import make_call, make_user

pytestmark = pytest.mark.browser
OUTAGE_PAGE = "<!doctype html><title>Back in a moment</title><p>The system cannot reach its database just now.</p>"


@pytest.fixture(scope="module")
def writer(live_app):
    with live_app.app_context(), live_app.test_request_context():
        call_id = make_call(actor=make_user("manager", email="outage-office@example.eu"), publish=True).id
        make_user(email="outage-ko@example.kr", name="김하늘", locale="ko", timezone="Asia/Seoul")
        db.session.commit()
    return call_id


def _kept(page) -> dict | None:
    """The browser's copy of the form (autosave.js), if any."""
    raw = page.evaluate("""() => { for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i); if (key.startsWith('mobility:draft:')) return localStorage.getItem(key); }
        return null; }""")
    return json.loads(raw) if raw else None


def test_text_typed_during_a_database_outage_survives_a_reload_and_is_saved_when_it_is_back(
        browser: Browser, live_app, live_url, writer, tmp_path):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    page = context.new_page()
    _sign_in(page, live_url, "outage-ko@example.kr", "ko")
    _new_application(page, live_url, writer)
    application_id = int(re.search(r"/applications/(\d+)/edit", page.url).group(1))
    refused = []

    def database_down(route):
        refused.append(route.request.url)
        route.fulfill(status=503, content_type="text/html; charset=utf-8", headers={"Retry-After": "30"},
                      body=OUTAGE_PAGE)

    page.route("**/autosave", database_down)
    summary, status, alert = page.locator("#summary"), page.locator(".save-status"), page.locator(".save-alert")
    text = "가마쿠라 해안과 켐니츠 공장을 잇는 무용 작품. 정전 중에 쓴 문장."
    summary.fill(text)
    summary.dispatch_event("change")
    expect(alert).to_contain_text("5초 후에 다시 시도합니다")  # "Trying again in 5 s.": not given up
    assert refused and _kept(page)["fields"]["summary"] == [text]
    page.screenshot(path=str(tmp_path / "outage_ko.png"), full_page=True)

    # The person reloads (or the tab crashed) while the database is still down: the text comes back, and the
    # page sends it again at once (refused again: the copy stays).
    before = len(refused)
    page.reload()
    expect(summary).to_have_value(text)
    expect(alert).to_contain_text("다시 시도합니다")  # the restored text, sent again and refused: tried again
    for _ in range(50):
        if len(refused) > before:
            break
        page.wait_for_timeout(200)
    assert len(refused) > before and _kept(page)["fields"]["summary"] == [text]
    page.screenshot(path=str(tmp_path / "outage_restored_ko.png"), full_page=True)

    # The database is back: the next try stores it, and the browser's copy goes.
    page.unroute("**/autosave")
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=45000):
        pass
    expect(status).not_to_have_class(re.compile("unsaved"))
    expect(alert).to_be_empty()
    assert _kept(page) is None
    with live_app.app_context():
        assert db.session.scalar(select(Application.summary).where(Application.id == application_id)) == text
        db.session.remove()
    page.reload()
    expect(summary).to_have_value(text)

    # A copy older than the server's version (typed before a save made elsewhere) is not put back over it.
    version = int(page.locator("input[name='version']").input_value())
    key = page.locator("form[data-draft-key]").get_attribute("data-draft-key")
    page.evaluate("([key, base]) => localStorage.setItem(key, JSON.stringify("
                  "{base: base, at: Date.now(), lostSave: '', fields: {summary: ['an older text']}}))",
                  [key, version - 1])
    page.reload()
    expect(summary).to_have_value(text)
    assert _kept(page) is None
    context.close()
