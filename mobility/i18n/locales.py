"""Which language and time zone a request is served in.

Order of choice (DESIGN.md §5): the signed-in user's saved preference, an explicit switch kept in
the session, the best match of Accept-Language, English. A JSON API request is answered in the
language its Accept-Language asks for (an integration may serve readers of several languages with
one token), else its token holder's, else English; it never reads the browser session.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user

from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow

LOCALES = ("en", "zh_Hans", "ja", "ko")
DEFAULT_LOCALE = "en"
SESSION_KEY = "locale"

# Names of the languages in themselves, for the switch (never translated).
NATIVE_NAMES = {"en": "English", "zh_Hans": "简体中文", "ja": "日本語", "ko": "한국어"}
# Names of the languages in the viewer's language, for forms.
LANGUAGE_TITLES = {"en": _l("English"), "zh_Hans": _l("Chinese (Simplified)"), "ja": _l("Japanese"),
                   "ko": _l("Korean")}
# BCP 47 tags for <html lang> and hreflang.
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans", "ja": "ja", "ko": "ko"}


def locale_for_tag(tag: str) -> str | None:
    """Map a browser language tag (zh-CN, zh-Hans-CN, ja-JP, ko, en-GB …) to a UI locale."""
    primary = tag.replace("_", "-").split("-")[0].lower()
    return {"en": "en", "zh": "zh_Hans", "ja": "ja", "ko": "ko"}.get(primary)


def accept_language_match() -> str | None:
    # werkzeug sorts the values by quality, best first.
    for tag, quality in request.accept_languages:
        if quality <= 0:
            continue
        locale = locale_for_tag(tag)
        if locale:
            return locale
    return None


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    if request.path.startswith("/api/"):
        return accept_language_match() or _api_holder_locale() or DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get(SESSION_KEY)
    if chosen in LOCALES:
        return chosen
    return accept_language_match() or DEFAULT_LOCALE


_LOCALE_OBJECTS: dict[str, Locale] = {}


def select_locale_object() -> Locale:
    """select_locale() as one Locale object per locale for the process (Flask-Babel's locale selector): the
    caches keyed by the locale (enum titles, date patterns, amounts) then find it by identity."""
    name = select_locale()
    locale = _LOCALE_OBJECTS.get(name)
    if locale is None:
        locale = _LOCALE_OBJECTS[name] = Locale.parse(name)
    return locale


def _api_holder_locale() -> str | None:
    holder = getattr(request, "_api_user", None)  # set by api/auth.py once the token is checked
    return holder.locale if holder is not None and holder.locale in LOCALES else None


# Where a visitor who has told us nothing probably is, going by the language they read.
LIKELY_ZONE = {"zh_Hans": "Asia/Shanghai", "ja": "Asia/Tokyo", "ko": "Asia/Seoul"}
TIMEZONE_COOKIE = "tz"  # set by static/js/timezone.js from the browser's own zone


def select_timezone() -> str:
    """The signed-in user's zone; else the browser's (cookie); else the likely zone of the language; else UTC."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    browser_zone = request.cookies.get(TIMEZONE_COOKIE, "")
    if is_valid_timezone(browser_zone):
        return browser_zone
    return LIKELY_ZONE.get(select_locale(), current_app.config["BABEL_DEFAULT_TIMEZONE"])


def guessed_timezone() -> str | None:
    """The zone a page is shown in when it is only a guess: a visitor not signed in whose browser has not told
    us its zone yet (no cookie) asks with GET. static/js/timezone.js then sets the cookie and, where the
    browser's zone is another, loads the page again at once: the first page already shows the browser's zone.
    (A cookie the server refuses is not asked again: no page loads twice in a row.)"""
    if not has_request_context() or request.method != "GET" or TIMEZONE_COOKIE in request.cookies:
        return None
    if current_user and current_user.is_authenticated:
        return None
    return select_timezone()


def is_valid_timezone(name: str) -> bool:
    if not name or name not in _zones():
        return False
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return False
    return True


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def timezone_choices() -> list[str]:
    """UTC, then the Area/City zones, sorted; the legacy aliases (EST, Etc/GMT+5 …) are left out."""
    return ["UTC"] + sorted(z for z in _zones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))


def local_to_utc(local: datetime, zone: str) -> datetime:
    """A wall-clock time in `zone` (as typed in a form) as a UTC instant."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def today_for(user) -> date:
    """Today on the person's own calendar (their time zone), not the server's: a payment made this morning
    in Seoul is not "in the future" while it is still yesterday in UTC."""
    return utc_to_local(utcnow(), getattr(user, "timezone", None) or "UTC").date()


def utc_to_local(instant: datetime, zone: str) -> datetime:
    """A UTC instant as naive wall-clock time in `zone` (to fill a datetime-local field)."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
