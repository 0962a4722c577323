"""Template helpers: instants in the viewer's zone and locale."""
from __future__ import annotations

import re
from datetime import datetime

from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import Flask
from flask_babel import format_currency, format_date, format_decimal, format_percent, format_timedelta, get_locale, get_timezone

from mobility.accounts.enums import Language
from mobility.awards.enums import LINE_TITLES
from mobility.db import utcnow

from mobility.i18n.content import localized
from mobility.i18n.locales import HTML_LANG, LANGUAGE_TITLES, LOCALES, NATIVE_NAMES


def local_datetime(instant: datetime | None, format: str = "medium") -> str:
    """An instant in the viewer's time zone and locale, with the zone's name."""
    if instant is None:
        return ""
    zone = get_timezone()
    # Babel itself, not Flask-Babel's wrapper: half the time, and lists show one per row. A naive instant
    # is read as UTC by both.
    text = babel_dates.format_datetime(instant, format, tzinfo=zone, locale=get_locale())
    return f"{text} ({getattr(zone, 'key', zone)})"


def utc_datetime(instant: datetime | None) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC") if instant else ""


def zone_datetime(instant: datetime | None, zone: str, format: str = "medium") -> str:
    """An instant as wall-clock time in a named zone (a call's zone), in the viewer's locale."""
    if instant is None:
        return ""
    return f"{babel_dates.format_datetime(instant, format, tzinfo=ZoneInfo(zone), locale=get_locale())} ({zone})"


def time_left(instant: datetime | None) -> str:
    """'in 3 days' / '3 days ago' in the viewer's locale."""
    if instant is None:
        return ""
    return format_timedelta(instant - utcnow(), granularity="minute", add_direction=True)


def money(amount: Decimal | None, currency: str = "EUR") -> str:
    return "" if amount is None else format_currency(amount, currency)


def plain_number(value: Decimal | None) -> str:
    """A Decimal without trailing zeros (5.0 → 5, 0.50 → 0.5)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def paragraphs(text: str | None) -> list[str]:
    """Plain text split at blank lines (rendered as escaped <p> elements: no HTML is ever trusted)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        LOCALES=LOCALES,
        NATIVE_NAMES=NATIVE_NAMES,
        LANGUAGE_TITLES=LANGUAGE_TITLES,
        language_title=lambda value: Language(value).title,
        line_title=lambda code: str(LINE_TITLES.get(code, code)),
        html_lang=lambda: HTML_LANG.get(str(get_locale()), "en"),
        current_locale=lambda: str(get_locale()),
        current_timezone=lambda: getattr(get_timezone(), "key", str(get_timezone())),
    )
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["utc_datetime"] = utc_datetime
    app.jinja_env.filters["zone_datetime"] = zone_datetime
    app.jinja_env.filters["time_left"] = time_left
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["plain_number"] = plain_number
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.globals["format_percent"] = format_percent
    app.jinja_env.globals["localized"] = localized
