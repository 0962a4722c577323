"""Template helpers: instants in the viewer's zone and locale."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask
from flask_babel import (
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    format_timedelta,
    get_locale,
    get_timezone,
)

from mobility.core.text import LazyText
from mobility.db import utcnow
from mobility.i18n.content import localized, localized_locale
from mobility.i18n.locales import HTML_LANG, LANGUAGE_TITLES, LOCALES, NATIVE_NAMES, guessed_timezone

# Locales whose abbreviated day periods in CLDR are the Latin "AM"/"PM" although their readers write the
# wide form (Korean: 오전/오후): their standard patterns use the wide form.
WIDE_DAY_PERIODS = frozenset({"ko"})


def _wide_day_periods(pattern: str) -> str:
    """`pattern` with its unquoted day-period field (a, aa, aaa) written wide (aaaa)."""
    out, quoted, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            quoted = not quoted
        elif char == "a" and not quoted:
            run = len(pattern[i:]) - len(pattern[i:].lstrip("a"))
            out.append("aaaa")
            i += run
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _standard(pattern: str, locale: Locale) -> str:
    return _wide_day_periods(pattern) if locale.language in WIDE_DAY_PERIODS else pattern


@lru_cache(maxsize=64)
def _datetime_pattern(locale: Locale, format: str) -> babel_dates.DateTimePattern:
    """The locale's date-and-time pattern for `format` ("short", "medium"…, or "deadline"), parsed once. Babel's
    format_datetime builds and parses the date part and the time part again on every call, and lists show
    an instant per row. Korean reads 오전/오후, never AM/PM (WIDE_DAY_PERIODS)."""
    match format:
        case "full" | "long" | "medium" | "short":
            combined = str(babel_dates.get_datetime_format(format, locale=locale)) \
                .replace("{0}", babel_dates.get_time_format(format, locale=locale).pattern) \
                .replace("{1}", babel_dates.get_date_format(format, locale=locale).pattern)
            return babel_dates.parse_pattern(_standard(combined, locale))
        case "deadline":  # a day and a time to the minute, no seconds: the zone's name is added by the caller
            combined = str(babel_dates.get_datetime_format("long", locale=locale)) \
                .replace("{0}", babel_dates.get_time_format("short", locale=locale).pattern) \
                .replace("{1}", babel_dates.get_date_format("long", locale=locale).pattern)
            return babel_dates.parse_pattern(_standard(combined, locale))
        case _:  # a pattern of its own
            return babel_dates.parse_pattern(format)


@lru_cache(maxsize=32)
def _time_pattern(locale: Locale, format: Literal["full", "long", "medium", "short"]) -> babel_dates.DateTimePattern:
    return babel_dates.parse_pattern(_standard(babel_dates.get_time_format(format, locale=locale).pattern, locale))


def local_time(instant: datetime | None, format: Literal["full", "long", "medium", "short"] = "short") -> str:
    """The time of day of an instant in the viewer's zone and locale (Korean: 오후 3:05)."""
    if instant is None:
        return ""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return _time_pattern(get_locale(), format).apply(instant.astimezone(get_timezone()), get_locale())


def format_instant(instant: datetime, format: str, zone: tzinfo, locale: Locale) -> str:
    """What babel.dates.format_datetime(instant, format, tzinfo=zone, locale=locale) gives (a naive
    instant is UTC), from the cached pattern."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return _datetime_pattern(locale, format).apply(instant.astimezone(zone), locale)


def local_datetime(instant: datetime | None, format: str = "medium") -> str:
    """An instant in the viewer's time zone and locale, with the zone's name."""
    if instant is None:
        return ""
    zone = get_timezone()
    return f"{format_instant(instant, format, zone, get_locale())} ({getattr(zone, 'key', zone)})"


def lazy_date(day: date, format: str = "long") -> LazyText:
    """A day written in the language of wherever the text goes (a mail subject is rendered in the recipient's
    locale, later than the sentence is made): `_l("due on %(date)s", date=lazy_date(due))`."""
    return LazyText(format_date, day, format)


def utc_datetime(instant: datetime | None) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S UTC") if instant else ""


def zone_datetime(instant: datetime | None, zone: str, format: str = "medium") -> str:
    """An instant as wall-clock time in a named zone (a call's zone), in the viewer's locale."""
    if instant is None:
        return ""
    return f"{format_instant(instant, format, ZoneInfo(zone), get_locale())} ({zone})"


def time_left(instant: datetime | None) -> str:
    """'in 3 days' / '3 days ago' in the viewer's locale."""
    if instant is None:
        return ""
    return format_timedelta(instant - utcnow(), granularity="minute", add_direction=True)


def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """An amount in the viewer's locale, as Babel's format_currency writes it. Lists show several amounts
    per row and Babel's pattern machinery takes ~70 µs each: a positive amount is written from the shape
    Babel gave a probe amount in this locale (read once), the rest by Babel itself."""
    if amount is None:
        return ""
    shape = _money_shape(get_locale(), currency) if isinstance(amount, (Decimal, int)) else None
    if shape is None or not Decimal(amount).is_finite() or amount < 0:
        return format_currency(amount, currency)
    prefix, suffix, separators, digits = shape
    return f"{prefix}{format(amount, f',.{digits}f').translate(separators)}{suffix}"


@lru_cache(maxsize=64)
def _money_shape(locale: Locale, currency: str) -> tuple[str, str, dict[int, str], int] | None:
    """(prefix, suffix, separators, fraction digits) of a positive amount of `currency` in `locale`, read
    from Babel's writing of 1,234,567.8…; None when that is not the plain grouped-by-three shape (Babel then
    writes every amount)."""
    digits = babel_numbers.get_currency_precision(currency)
    probe = Decimal("1234567" + ("." + "8" * digits if digits else ""))
    written = babel_numbers.format_currency(probe, currency, locale=locale)
    group = babel_numbers.get_group_symbol(locale)
    decimal = babel_numbers.get_decimal_symbol(locale)
    core = f"1{group}234{group}567" + (f"{decimal}{'8' * digits}" if digits else "")
    start = written.find(core)
    if start < 0 or written.count(core) != 1 or any(c.isdigit() for c in written.replace(core, "")):
        return None
    return written[:start], written[start + len(core):], str.maketrans({",": group, ".": decimal}), digits


def plain_number(value: Decimal | None) -> str:
    """A Decimal without trailing zeros (5.0 → 5, 0.50 → 0.5)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


_SCRIPT_TAGS = {"zh": "zh-Hans", "zh_Hans": "zh-Hans", "zh-Hans": "zh-Hans", "ja": "ja", "ko": "ko", "en": "en"}
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


def lang_tag(code: str | None) -> str:
    """The BCP 47 tag of a language code (Language "zh", UI locale "zh_Hans" …); "und" when not known."""
    return _SCRIPT_TAGS.get(code or "", "und")


def text_lang(text: str | None, languages=None) -> str:
    """The `lang` of a user's text whose writer said it is in `languages` (a code or a list of codes): the one
    language when there is one; among several, the one whose script the text is in; else "und" (never the
    page's language: a Chinese answer on a Korean page keeps Chinese line breaking)."""
    declared = [languages] if isinstance(languages, str) else list(languages or [])
    tags = [tag for tag in dict.fromkeys(lang_tag(code) for code in declared) if tag != "und"]
    if len(tags) == 1:
        return tags[0]
    text = text or ""
    for tag, script in (("ko", _HANGUL), ("ja", _KANA), ("zh-Hans", _HAN), ("ja", _HAN), ("en", _LATIN)):
        if (tag in tags or not tags) and script.search(text):
            return tag
    return "und"


def paragraphs(text: str | None) -> list[str]:
    """Plain text split at blank lines (rendered as escaped <p> elements: no HTML is ever trusted)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        LOCALES=LOCALES,
        NATIVE_NAMES=NATIVE_NAMES,
        LANGUAGE_TITLES=LANGUAGE_TITLES,
        html_lang=lambda: HTML_LANG.get(str(get_locale()), "en"),
        current_locale=lambda: str(get_locale()),
        current_timezone=lambda: getattr(get_timezone(), "key", str(get_timezone())),
        guessed_timezone=guessed_timezone,
    )
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["lang_tag"] = lang_tag
    app.jinja_env.filters["text_lang"] = text_lang
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
    app.jinja_env.globals["localized_locale"] = localized_locale  # which language localized() answers in
