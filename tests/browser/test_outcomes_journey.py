"""The office reads the dashboard and the outcome table, in English and in Japanese: the charts are tables that
axe-core finds no fault with, every figure opens the list it counts, figures fit their cards on a phone and on a
desktop, and the CSV comes down. The public pair page comes in pages with its outcome table."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.outcome_fixture import make_outcome_programme

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/outcome_shots")
# axe-core's rules that the server-drawn SVG bars failed (a link without a name; links inside role="img"),
# then every rule of WCAG 2.1 A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def office(live_app):
    with live_app.app_context(), live_app.test_request_context():
        made = make_outcome_programme()
        db.session.commit()
        return made.manager.id, made.manager.email, made.pair.id


def _sign_in(page: Page, live_url: str, email: str) -> None:
    sign_in_page(page, live_url, email)
    page.wait_for_load_state()


def _set_locale(live_app, user_id: int, locale: str) -> None:
    from mobility.accounts.models import User
    with live_app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def _axe_violations(page: Page, selector: str | None = None) -> list[str]:
    results = Axe().run(page, context=selector, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


def _overflowing(page: Page, selector: str) -> list[str]:
    """The elements matched whose content is wider than their box."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .filter(e => e.scrollWidth > e.clientWidth)
        .map(e => `${e.className}: ${e.scrollWidth} > ${e.clientWidth} (${e.innerText.slice(0, 40)})`)""",
                         selector)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("locale,browser_locale,dashboard_title", [
    ("en", "en-GB", "Programme dashboard"), ("ja", "ja-JP", "プログラムのダッシュボード")])
def test_dashboard_and_outcomes(browser: Browser, live_app, live_url, office, locale, browser_locale,
                                dashboard_title):
    manager_id, email, pair_id = office
    _set_locale(live_app, manager_id, locale)
    context = browser.new_context(locale=browser_locale, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    _sign_in(page, live_url, email)
    page.goto(f"{live_url}/manage/dashboard")
    expect(page.locator("h1")).to_have_text(dashboard_title)

    # The charts are tables: a caption, a header row, one row per member with its figure as a link.
    charts = page.locator(".chart-table")
    expect(charts).to_have_count(3)
    assert page.locator("svg a").count() == 0 and page.locator("[role=img] a").count() == 0
    for i in range(3):
        chart = charts.nth(i)
        assert chart.locator("caption").inner_text().strip()
        assert chart.locator("tbody th[scope=row]").count() == chart.locator("tbody td.num a").count() > 0
    assert _axe_violations(page) == []

    # Figures fit their cards, on a desktop and on a phone; the page itself never scrolls sideways.
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        assert _overflowing(page, ".figures .card, .chart, .chart-table, .figure") == [], width
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        _shot(page, f"dashboard-{locale}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A sector's bar opens the reports that name it; the CO2 card opens the reports it adds up.
    sectors = charts.nth(2)
    creative = sectors.locator("tbody tr").first
    shown = int(creative.locator("td.num a").inner_text().replace(",", ""))
    creative.locator("td.num a").click()
    expect(page).to_have_url(re.compile(r"/manage/dashboard/sector_creative"))
    assert page.locator("table.drill-down tbody tr").count() == shown
    _shot(page, f"sector-list-{locale}")
    page.go_back()
    co2 = int(page.locator(".figures a[href*='/dashboard/co2'] .figure").inner_text().replace(",", ""))
    page.locator(".figures a[href*='/dashboard/co2']").click()
    added = sum(int(v) for v in page.locator("td[data-adds]").evaluate_all("cells => cells.map(c => c.dataset.adds)"))
    assert added == co2 > 0

    # The outcome table, its drill-down links, and its CSV.
    page.goto(f"{live_url}/manage/outcomes")
    table = page.locator("table.outcome-table")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 3 and table.locator("tfoot th").count() == 1
    assert _axe_violations(page, ".outcome-table") == []
    page.set_viewport_size({"width": 360, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    _shot(page, f"outcomes-{locale}-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert _overflowing(page, ".table-scroll") == []  # every column in view on a desktop (a phone scrolls it)
    _shot(page, f"outcomes-{locale}-1280")
    with page.expect_download() as download:
        page.locator("a[href^='/manage/outcomes.csv']").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows[-1][4:7] == ["4", "7", "38"]  # the hand-computed programme: 4 grants, 7 travellers, 38 days
    if locale == "ja":
        assert rows[0][2] == "交流の方向" and rows[1][2] == "ヨーロッパ → 東アジア", rows[:2]
    context.close()


@pytest.mark.parametrize("browser_locale,heading", [("en-GB", "Outcomes per year and direction"),
                                                     ("ko-KR", "연도·방향별 성과")])
def test_public_pair_page(browser: Browser, live_url, office, browser_locale, heading):
    _manager_id, _email, pair_id = office
    context = browser.new_context(locale=browser_locale, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{live_url}/pairs/{pair_id}")
    expect(page.locator("h3#outcomes")).to_have_text(heading)
    expect(page.locator("table.outcome-table")).to_be_visible()
    assert page.locator("table.outcome-table td.suppressed").count() >= 1  # rows of few exchanges: no figures
    assert page.locator(".exchange-list > li.card").count() <= 20
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert _axe_violations(page, ".outcome-table") == []
    _shot(page, f"pair-{browser_locale}")
    context.close()
