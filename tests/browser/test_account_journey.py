"""Register → confirm through the outbox link → sign in → switch to Korean → sign out."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mobility.core.models import OutboxMessage
from mobility.extensions import db

pytestmark = pytest.mark.browser


def _confirmation_link(live_app, email: str) -> str:
    with live_app.app_context():
        body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == email)).first()
    return re.search(r"https?://\S+", body).group(0)


def test_register_confirm_sign_in_switch_to_korean_sign_out(page: Page, live_app, live_url, tmp_path):
    page.goto(live_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Create account").first.click()

    page.get_by_label("Your name").fill("Müller Jana")
    page.get_by_label("E-mail address").fill("jana@example.de")
    page.get_by_label("Password", exact=True).fill("Chemnitz und Kamakura 2025")
    page.get_by_label("Repeat the password").fill("Chemnitz und Kamakura 2025")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Almost done")).to_be_visible()

    page.goto(_confirmation_link(live_app, "jana@example.de"))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_text("your e-mail address is confirmed")).to_be_visible()

    page.get_by_label("E-mail address").fill("jana@example.de")
    page.get_by_label("Password").fill("Chemnitz und Kamakura 2025")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_contain_text("문화도시")
    page.screenshot(path=str(tmp_path / "korean.png"), full_page=True)

    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_text("로그아웃되었습니다")).to_be_visible()
    expect(page.get_by_role("link", name="로그인").first).to_be_visible()
