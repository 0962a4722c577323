"""A juror's desk in Korean and in English: progress per call, each card's language, the rubric and the call's
guidance in the juror's language beside the application, and a submitted review shown read-only."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from mobility.applications import services as applications
from mobility.calls import services as calls
from mobility.extensions import db
from mobility.review import services as review
from tests.browser.pages import sign_in_page
from tests.factories import make_application, make_call, make_juror, make_user

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/outcome_shots")
GUIDANCE = {"en": "Judge the exchange between the two cities first.",
            "ko": "무엇보다 두 도시 사이의 교류를 평가해 주십시오."}
_n = itertools.count(1)


@pytest.fixture
def desk(live_app, request):
    locale = request.node.callspec.params["locale"]
    n = next(_n)
    with live_app.app_context(), live_app.test_request_context():
        manager = make_user("manager")
        call = make_call(actor=manager, publish=True, title=f"Desk call {n}")
        calls.update_texts(manager, call, "en", {"title": f"Desk call {n}", "summary": "A summary.",
                                                 "body": "The full text.", "guidance": GUIDANCE["en"]})
        calls.update_texts(manager, call, "ko", {"guidance": GUIDANCE["ko"]})
        call.reviewers_per_application = 1
        for title, languages in (("Tidal memory", ["en"]), ("潮の記憶", ["ja"])):
            application = make_application(call=call, title=title, languages=languages)
            applications.submit_application(application.applicant, application)
            applications.screen_application(manager, application, eligible=True, reason=None, note=None)
        juror = make_juror(reads=("en", "ja", "ko"), city="Chemnitz", email=f"desk{n}@example.eu",
                           locale=locale)
        review.add_juror(manager, call, juror, 10)
        review.run_assignment(manager, call)
        db.session.commit()
        return juror.email, [c.id for c in call.criteria]


@pytest.mark.parametrize("locale,browser_locale,texts", [
    ("ko", "ko-KR", {"done": "2건 중 0건 완료", "after": "2건 중 1건 완료", "rubric": "평가 기준",
                     "see": "내 심사 보기", "japanese": "일본어"}),
    ("en", "en-GB", {"done": "0 of 2 done", "after": "1 of 2 done", "rubric": "The rubric",
                     "see": "See your review", "japanese": "Japanese"}),
])
def test_the_jurors_desk(browser: Browser, live_url, desk, locale, browser_locale, texts):
    email, criteria = desk
    context = browser.new_context(locale=browser_locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_page(page, live_url, email)
    page.goto(live_url + "/review/")
    expect(page.locator(".progress-card")).to_contain_text(texts["done"])
    expect(page.locator(".assignment-card .card-language").filter(has_text=texts["japanese"])).to_have_count(1)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"desk-{locale}-before.png"), full_page=True)

    card = page.locator(".assignment-card").filter(has_text="Tidal memory")
    card.locator("button[name=answer][value=none]").click()
    rubric = page.locator("section.rubric")
    expect(rubric.locator("h2")).to_have_text(texts["rubric"])
    expect(rubric.locator(".guidance")).to_contain_text(GUIDANCE[locale])
    expect(rubric.locator(".guidance div[lang]")).to_have_attribute("lang", locale)
    # The rubric sits beside the application on a desktop: the two columns start together.
    application_box = page.locator("section.application-text").bounding_box()
    rubric_box = rubric.bounding_box()
    assert rubric_box["x"] > application_box["x"] + application_box["width"] - 1
    assert abs(rubric_box["y"] - application_box["y"]) < 40
    for criterion_id in criteria:
        page.locator(f"#score_{criterion_id}").select_option("4")
    page.locator("#overall_comment").fill("A clear plan." if locale == "en" else "명확한 계획입니다.")
    page.screenshot(path=str(SHOTS / f"review-{locale}.png"), full_page=True)
    page.locator("#submit").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#review-form")).to_have_count(0)  # read-only now
    expect(page.locator(".review-read-only")).to_contain_text("4")

    page.goto(live_url + "/review/")
    expect(page.locator(".progress-card")).to_contain_text(texts["after"])
    submitted = page.locator(".assignment-card").filter(has_text="Tidal memory")
    expect(submitted.locator(".read-only-note")).to_be_visible()
    expect(submitted.get_by_role("link", name=texts["see"])).to_be_visible()
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(SHOTS / f"desk-{locale}-after-360.png"), full_page=True)
    context.close()
