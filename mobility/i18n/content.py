"""Content written per language (call texts, criteria, questions): {locale: text} with a fallback."""
from __future__ import annotations

from collections.abc import Mapping

from mobility.core.text import current_locale as _request_locale
from mobility.i18n.locales import DEFAULT_LOCALE, LOCALES


def current_locale() -> str:
    locale = _request_locale()
    return str(locale) if locale else DEFAULT_LOCALE


def localized(texts: Mapping[str, str] | None, locale: str | None = None) -> str:
    """The text in `locale`, else English, else any language that has it, else ''."""
    chosen = localized_locale(texts, locale)
    return texts[chosen] if texts and chosen else ""


def localized_locale(texts: Mapping[str, str] | None, locale: str | None = None) -> str | None:
    """Which language `localized()` would answer in (to label a fallback)."""
    if not texts:
        return None
    locale = locale or current_locale()
    for candidate in (locale, DEFAULT_LOCALE, *LOCALES):
        value = texts.get(candidate)
        if value and value.strip():
            return candidate
    return None


def present_locales(texts: Mapping[str, str] | None) -> set[str]:
    return {loc for loc, value in (texts or {}).items() if loc in LOCALES and value and value.strip()}


def clean(texts: Mapping[str, str | None]) -> dict[str, str]:
    """Strip every text and drop empty ones and unknown locales."""
    return {loc: value.strip() for loc, value in texts.items() if loc in LOCALES and value and value.strip()}
