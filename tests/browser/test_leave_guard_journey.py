"""Drafts are never lost (issue 18): leaving a long form of the office with unsaved changes asks first
(static/js/leave_guard.js), in Japanese and in English. Staying keeps what was typed; typing and then undoing it
asks nothing; an untouched form asks nothing; sending the form itself (also with a button tied to it by form=)
asks nothing; sending another form of the page while this one holds changes asks."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from mobility.extensions import db
from tests.browser.pages import sign_in_page
from tests.factories import make_call, make_user

pytestmark = pytest.mark.browser


def _sign_in(page: Page, live_url: str, email: str, lang: str) -> None:
    sign_in_page(page, live_url, email)
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")  # the page and its scripts fully loaded


class Dialogs:
    """The dialogs the page opens, answered as told (dismiss: stay on the page)."""

    def __init__(self, page: Page):
        self.seen: list[str] = []
        self.stay = True
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.seen.append(dialog.type)
        if self.stay:
            dialog.dismiss()
        else:
            dialog.accept()


@pytest.fixture(scope="module")
def office(live_app):
    """A draft call and two managers of its programme, one working in Japanese, one in English."""
    with live_app.app_context(), live_app.test_request_context():
        english = make_user("manager", email="leave-en@example.eu", name="Mara Novak", locale="en",
                            timezone="Europe/Ljubljana")
        make_user("manager", email="leave-ja@example.jp", name="佐藤 海", locale="ja", timezone="Asia/Tokyo")
        call_id = make_call(actor=english).id
        db.session.commit()
    return call_id


def test_the_call_settings_and_texts_ask_before_leaving_in_japanese(browser: Browser, live_url, office, tmp_path):
    call_id = office
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    _sign_in(page, live_url, "leave-ja@example.jp", "ja")
    dialogs = Dialogs(page)
    settings = f"{live_url}/manage/calls/{call_id}/settings"
    overview_link = page.locator("nav.section-nav a").first

    # Untouched: leaving asks nothing.
    _open(page, settings)
    overview_link.click()
    page.wait_for_url(re.compile(rf"/manage/calls/{call_id}$"))
    assert dialogs.seen == []

    # Typed: leaving asks (the browser's own words); staying keeps the typed value.
    _open(page, settings)
    appeal = page.locator("#appeal_days")
    before = appeal.input_value()
    appeal.click()
    appeal.fill("21")
    with page.expect_event("dialog"):
        overview_link.click()
    assert dialogs.seen == ["beforeunload"]
    expect(page).to_have_url(settings)
    expect(appeal).to_have_value("21")
    page.screenshot(path=str(tmp_path / "settings_typed_ja.png"), full_page=True)

    # Typed back to what the page was served with: nothing to lose, nothing asked.
    appeal.fill(before)
    dialogs.seen.clear()
    overview_link.click()
    page.wait_for_url(re.compile(rf"/manage/calls/{call_id}$"))
    assert dialogs.seen == []

    # Sending the form itself asks nothing, and what was typed is stored.
    _open(page, settings)
    appeal.click()
    appeal.fill("21")
    page.locator("#submit").click()
    expect(page.locator(".flash-success").first).to_have_text("設定を保存しました。")
    assert dialogs.seen == []
    _open(page, settings)
    expect(appeal).to_have_value("21")

    # The Japanese texts: the language tabs are links; leaving for another language asks first.
    _open(page, f"{live_url}/manage/calls/{call_id}/texts/ja")
    summary = page.locator("#summary")
    summary.click()
    summary.fill("鎌倉とケムニッツの芸術家が一緒に新しい作品をつくります。")
    with page.expect_event("dialog"):
        page.locator("p.language-tabs a[lang='en']").click()
    assert dialogs.seen == ["beforeunload"]
    expect(page).to_have_url(f"{live_url}/manage/calls/{call_id}/texts/ja")
    expect(summary).to_have_value("鎌倉とケムニッツの芸術家が一緒に新しい作品をつくります。")
    # Accepting the question leaves, and the typed text is gone as the person chose.
    dialogs.stay = False
    page.locator("p.language-tabs a[lang='en']").click()
    page.wait_for_url(re.compile(r"/texts/en$"))
    assert dialogs.seen == ["beforeunload", "beforeunload"]
    context.close()


def test_the_call_texts_and_budget_ask_before_leaving_in_english(browser: Browser, live_url, office, tmp_path):
    call_id = office
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Ljubljana")
    page = context.new_page()
    _sign_in(page, live_url, "leave-en@example.eu", "en")
    dialogs = Dialogs(page)
    texts = f"{live_url}/manage/calls/{call_id}/texts/en"

    # Untouched: a reload asks nothing.
    _open(page, texts)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert dialogs.seen == []

    # Typed: leaving asks, and staying keeps the text.
    body = page.locator("#body")
    body.click()
    body.fill("Teams of two to four artists from both cities.\n\nTwo stays, one in each city.")
    with page.expect_event("dialog"):
        page.locator("a.brand").click()
    assert dialogs.seen == ["beforeunload"]
    expect(page).to_have_url(texts)
    expect(body).to_have_value("Teams of two to four artists from both cities.\n\nTwo stays, one in each city.")
    page.screenshot(path=str(tmp_path / "texts_typed_en.png"), full_page=True)

    # Sent by a button elsewhere on the page tied to the form with form=: asks nothing, and the text is stored.
    page.evaluate("""() => {
        const form = document.querySelector("form[data-warn-on-leave]");
        form.id = "texts-form";
        const button = document.createElement("button");
        button.type = "submit"; button.setAttribute("form", "texts-form"); button.id = "outside-save";
        button.name = "submit"; button.value = "Save texts"; button.textContent = "Save (outside the form)";
        document.querySelector("main").appendChild(button);
    }""")
    page.locator("#outside-save").click()
    expect(page.get_by_text("The texts are saved.")).to_be_visible()
    assert dialogs.seen == ["beforeunload"]
    _open(page, texts)
    expect(body).to_have_value("Teams of two to four artists from both cities.\n\nTwo stays, one in each city.")

    # Two forms on one page: sending the budget while the rate table holds typed changes asks first.
    _open(page, f"{live_url}/manage/calls/{call_id}/budget")
    visa = page.locator("#rates-visa_topup")
    visa.click()
    visa.fill("175")
    with page.expect_event("dialog"):
        page.locator("#budget-submit").click()
    assert dialogs.seen == ["beforeunload", "beforeunload"]
    expect(visa).to_have_value("175")
    # The rate table sent itself, refused: nothing asked on the way; the page now shows what is not stored,
    # so leaving asks before anything more is typed.
    visa.fill("")  # a number is required
    page.locator("#rates-submit").click()
    expect(page.locator("#rates-visa_topup-error")).to_be_visible()
    assert dialogs.seen == ["beforeunload", "beforeunload"]
    with page.expect_event("dialog"):
        page.locator("a.brand").click()
    assert dialogs.seen == ["beforeunload"] * 3
    expect(page.locator("#rates-visa_topup")).to_have_value("")
    # Corrected and sent: stored, nothing asked.
    page.locator("#rates-visa_topup").fill("175")
    page.locator("#rates-submit").click()
    expect(page.locator(".flash-success").first).to_be_visible()
    assert dialogs.seen == ["beforeunload"] * 3
    context.close()
