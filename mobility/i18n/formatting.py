"""Template helpers: instants in the viewer's zone and locale."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, get_locale, get_timezone

from mobility.i18n.locales import HTML_LANG, LANGUAGE_TITLES, LOCALES, NATIVE_NAMES


def local_datetime(instant: datetime | None, format: str = "medium") -> str:
    """An instant in the viewer's time zone and locale, with the zone's name."""
    if instant is None:
        return ""
    zone = get_timezone()
    return f"{format_datetime(instant, format)} ({zone.key if hasattr(zone, 'key') else zone})"


def utc_datetime(instant: datetime | None) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC") if instant else ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        LOCALES=LOCALES,
        NATIVE_NAMES=NATIVE_NAMES,
        LANGUAGE_TITLES=LANGUAGE_TITLES,
        html_lang=lambda: HTML_LANG.get(str(get_locale()), "en"),
        current_locale=lambda: str(get_locale()),
    )
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["utc_datetime"] = utc_datetime
