"""A visitor of `make run` walks through the demo programme: the manager (in English, then Japanese) finds
figures on the dashboard, a ranking, grants and reports; the juror (in Korean, then English) finds reviews
done and to do. Screenshots of every page are kept in the test's directory."""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from config import TestingConfig
from mobility import create_app
from mobility.calls.models import Call
from mobility.demo import DEMO_PASSWORD, load_demo
from mobility.demo_programme import DECIDED_TEXTS, REVIEW_TEXTS
from mobility.extensions import db
from tests.browser.pages import sign_in_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The demo loaded into its own SQLite file, served on 127.0.0.1 (as `make run` does)."""
    path = tmp_path_factory.mktemp("demo-live") / "demo.sqlite"

    class DemoLiveConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"check_same_thread": False, "timeout": 15}}
        SERVER_NAME = None

    app = create_app(DemoLiveConfig)
    with app.app_context():
        db.create_all()
        with app.test_request_context():
            load_demo()
            db.session.commit()
        ids = {name: db.session.scalar(db.select(Call.id).where(Call.title["en"].as_string() == texts["title"]["en"]))
               for name, texts in (("decided", DECIDED_TEXTS), ("review", REVIEW_TEXTS))}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()


def _sign_in(page: Page, url: str, email: str) -> None:
    sign_in_page(page, url, email, DEMO_PASSWORD)
    expect(page.locator("main")).to_be_visible()


def _switch(page: Page, locale: str) -> None:
    page.locator(f"button[name=locale][value={locale}]").click()
    expect(page.locator("html")).to_have_attribute("lang", locale.replace("_", "-"))


def _figures(page: Page) -> list[str]:
    return page.locator(".card .figure").all_inner_texts()


def test_the_manager_walks_the_decided_round_in_english_and_japanese(browser: Browser, demo_server, tmp_path):
    url, ids = demo_server
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(page, url, "manager@mobility.example.org")
    for locale in ("en", "ja"):
        page.goto(url + "/manage/dashboard")
        if locale != "en":
            _switch(page, locale)
        figures = _figures(page)
        assert len(figures) >= 9 and all(re.search(r"[1-9]", f) for f in figures), figures
        page.screenshot(path=str(tmp_path / f"manager-dashboard-{locale}.png"), full_page=True)

        page.goto(f"{url}/manage/calls/{ids['decided']}/ranking")
        rows = page.locator("table tbody tr")
        expect(rows.first).to_be_visible()
        assert rows.count() >= 40
        page.screenshot(path=str(tmp_path / f"manager-ranking-{locale}.png"))

        page.goto(f"{url}/manage/calls/{ids['decided']}/grants")
        expect(page.locator("main")).to_contain_text("€")
        page.screenshot(path=str(tmp_path / f"manager-grants-{locale}.png"), full_page=True)

        page.goto(f"{url}/manage/calls/{ids['decided']}/reports")
        expect(page.locator("main")).to_contain_text("MOB-001-")
        page.screenshot(path=str(tmp_path / f"manager-reports-{locale}.png"), full_page=True)
    expect(page.locator("main")).to_contain_text("承認")  # the report states in Japanese: 承認済み


def test_the_juror_finds_reviews_done_and_to_do_in_korean_and_english(browser: Browser, demo_server, tmp_path):
    url, ids = demo_server
    page = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul",
                               viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(page, url, "juror@mobility.example.org")
    page.goto(url + "/review/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("main")).to_contain_text("켐니츠–가마쿠라 리서치 여행 2027")
    to_confirm = page.locator("button[name=answer][value=none]")
    assert to_confirm.count() >= 1  # to do: the conflict declaration first
    page.screenshot(path=str(tmp_path / "juror-list-ko.png"), full_page=True)

    to_confirm.first.click()  # no conflict: the review opens beside the original text
    expect(page.locator(".original").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "juror-review-ko.png"), full_page=True)

    _switch(page, "en")
    page.goto(url + "/review/")
    expect(page.locator("main")).to_contain_text("Research trips between Chemnitz and Kamakura 2027")
    page.screenshot(path=str(tmp_path / "juror-list-en.png"), full_page=True)
