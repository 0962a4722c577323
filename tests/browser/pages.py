"""What every browser journey does the same way."""
from __future__ import annotations

from playwright.sync_api import Page

from tests.factories import PASSWORD


def sign_in_page(page: Page, live_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form (the journey checks what the next page shows)."""
    page.goto(live_url + "/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
