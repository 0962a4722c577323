"""Template helpers: instants in the viewer's zone and locale."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter, methodcaller
from typing import Literal, cast
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, g, has_request_context, request
from flask_babel import (
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    format_timedelta,
    get_timezone,
)
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from mobility.core.text import LazyText, current_locale, request_text
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


class CompiledPattern:
    """A parsed Babel date pattern that writes each field of an instant once per value of what the field
    reads (the year, the month, the hour …) and locale: a list writes the same months, days and hours again
    and again, and Babel's DateTimeFormat takes ~25 µs an instant. The text is Babel's own (each field is
    written by Babel the first time); fields that read more than one part of the instant (time zones,
    weeks, fractions of a second …) are written by Babel every time."""

    # The part of the instant each field's text depends on alone (babel.dates.DateTimeFormat.__getitem__).
    _READS: dict[str, Callable[[date], object]] = {
        "y": attrgetter("year"), "M": attrgetter("month"), "L": attrgetter("month"), "d": attrgetter("day"),
        "E": methodcaller("weekday"), "a": attrgetter("hour"), "h": attrgetter("hour"), "H": attrgetter("hour"),
        "K": attrgetter("hour"), "k": attrgetter("hour"), "m": attrgetter("minute"), "s": attrgetter("second"),
    }

    def __init__(self, pattern: babel_dates.DateTimePattern, locale: Locale):
        self.pattern, self.locale = pattern, locale
        self.format: str = str(pattern.format)  # "%(MMM)s %(d)s, %(y)s" (Babel's own %-format of the pattern)
        names = re.findall(r"%\((\w+)\)s", self.format)
        self.fields = [(name, self._READS.get(name[0])) for name in dict.fromkeys(names)]
        self._written: dict[tuple[str, object], str] = {}

    def apply(self, value: date) -> str:
        values, babel_format = {}, None
        for name, reads in self.fields:
            key = (name, reads(value)) if reads is not None else None
            text = self._written.get(key) if key is not None else None
            if text is None:
                if babel_format is None:
                    babel_format = babel_dates.DateTimeFormat(value, self.locale)
                text = babel_format[name]
                if key is not None:
                    self._written[key] = text
            values[name] = text
        return self.format % values


@lru_cache(maxsize=64)
def _datetime_pattern(locale: Locale, format: str) -> CompiledPattern:
    """The locale's date-and-time pattern for `format` ("short", "medium"…, or "deadline"), parsed once. Babel's
    format_datetime builds and parses the date part and the time part again on every call, and lists show
    an instant per row. Korean reads 오전/오후, never AM/PM (WIDE_DAY_PERIODS)."""
    match format:
        case "full" | "long" | "medium" | "short":
            combined = str(babel_dates.get_datetime_format(format, locale=locale)) \
                .replace("{0}", babel_dates.get_time_format(format, locale=locale).pattern) \
                .replace("{1}", babel_dates.get_date_format(format, locale=locale).pattern)
            return CompiledPattern(babel_dates.parse_pattern(_standard(combined, locale)), locale)
        case "deadline":  # a day and a time to the minute, no seconds: the zone's name is added by the caller
            combined = str(babel_dates.get_datetime_format("long", locale=locale)) \
                .replace("{0}", babel_dates.get_time_format("short", locale=locale).pattern) \
                .replace("{1}", babel_dates.get_date_format("long", locale=locale).pattern)
            return CompiledPattern(babel_dates.parse_pattern(_standard(combined, locale)), locale)
        case _:  # a pattern of its own
            return CompiledPattern(babel_dates.parse_pattern(format), locale)


@lru_cache(maxsize=32)
def _time_pattern(locale: Locale, format: Literal["full", "long", "medium", "short"]) -> CompiledPattern:
    return CompiledPattern(babel_dates.parse_pattern(
        _standard(babel_dates.get_time_format(format, locale=locale).pattern, locale)), locale)


_Standard = Literal["full", "long", "medium", "short"]


@lru_cache(maxsize=64)
def _date_pattern(locale: Locale, format: str) -> CompiledPattern:
    """What babel.dates.format_date writes for `format` (a standard name or a pattern of its own)."""
    if format in ("full", "long", "medium", "short"):
        format = babel_dates.get_date_format(cast(_Standard, format), locale=locale).pattern
    return CompiledPattern(babel_dates.parse_pattern(format), locale)


def current_zone() -> tzinfo:
    """flask_babel.get_timezone(), at two attribute reads once the request has resolved it."""
    try:
        zone = g._flask_babel.babel_tzinfo
    except (AttributeError, RuntimeError):
        zone = None
    return zone if zone is not None else get_timezone()


def local_time(instant: datetime | None, format: Literal["full", "long", "medium", "short"] = "short") -> str:
    """The time of day of an instant in the viewer's zone and locale (Korean: 오후 3:05)."""
    if instant is None:
        return ""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return _time_pattern(current_locale(), format).apply(instant.astimezone(current_zone()))


def format_instant(instant: datetime, format: str, zone: tzinfo, locale: Locale) -> str:
    """What babel.dates.format_datetime(instant, format, tzinfo=zone, locale=locale) gives (a naive
    instant is UTC), from the cached pattern."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return _datetime_pattern(locale, format).apply(instant.astimezone(zone))


def local_datetime(instant: datetime | None, format: str = "medium") -> str:
    """An instant in the viewer's time zone and locale, with the zone's name."""
    if instant is None:
        return ""
    zone = current_zone()
    locale = cast(Locale, current_locale())  # a request's (None outside any context, as get_locale())
    return f"{format_instant(instant, format, zone, locale)} ({getattr(zone, 'key', zone)})"


def local_date(value: date | datetime | None, format: str | None = None, rebase: bool = True) -> str:
    """flask_babel.format_date (the `format_date` filter): a date in the viewer's locale, from the cached
    pattern; an instant (which Flask-Babel first moves into the viewer's zone) is left to Flask-Babel."""
    if value is None or isinstance(value, datetime) or format not in _STANDARD_DATE_FORMATS:
        return format_date(value, format, rebase)
    return _date_pattern(current_locale(), format or "medium").apply(value)


# The standard names whose Flask-Babel configuration (BABEL date formats) is left at Babel's own pattern.
_STANDARD_DATE_FORMATS = frozenset({None, "full", "long", "medium", "short"})


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
    return f"{format_instant(instant, format, ZoneInfo(zone), cast(Locale, current_locale()))} ({zone})"


def time_left(instant: datetime | None) -> str:
    """'in 3 days' / '3 days ago' in the viewer's locale. A list of cards shows the same deadline on many
    cards: within a request each deadline is written once per locale (the request's moment)."""
    if instant is None:
        return ""
    written = _request_memo("time_left") if has_request_context() else None
    key = (instant, current_locale())
    text = written.get(key) if written is not None else None
    if text is None:
        text = format_timedelta(instant - utcnow(), granularity="minute", add_direction=True)
        if written is not None:
            written[key] = text
    return text


def _request_memo(name: str) -> dict:
    """A dict kept on the request object itself (a request of its own, whatever app context it runs in)."""
    memos = vars(request._get_current_object()).setdefault("_mobility_memos", {})  # type: ignore[attr-defined]
    return memos.setdefault(name, {})


def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """An amount in the viewer's locale, as Babel's format_currency writes it. Lists show several amounts
    per row and Babel's pattern machinery takes ~70 µs each: a positive amount is written from the shape
    Babel gave a probe amount in this locale (read once), the rest by Babel itself."""
    if amount is None:
        return ""
    shape = _money_shape(current_locale(), currency) if isinstance(amount, (Decimal, int)) else None
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


def number(value, format: str | None = None) -> str:
    """flask_babel.format_decimal (the `number` filter). Counts are whole numbers, a table shows hundreds of
    them, and Babel's pattern machinery takes ~40 µs each: a count ≥ 0 is grouped by threes with the locale's
    group symbol where Babel writes counts that way in the locale (probed once); any other value by Babel."""
    if format is None and type(value) is int and value >= 0:
        group = _count_group(current_locale())
        if group is not None:
            return f"{value:,}".replace(",", group)
    return format_decimal(value, format)


@lru_cache(maxsize=32)
def _count_group(locale: Locale) -> str | None:
    """The group symbol Babel writes counts with in `locale`, when it groups every count by threes (1,234 and
    1,234,567; not 1234 or 12,34,567); None otherwise."""
    group = babel_numbers.get_group_symbol(locale)
    probes = {7: "7", 1234: f"1{group}234", 1234567: f"1{group}234{group}567", 999: "999",
              1000000000: f"1{group}000{group}000{group}000"}
    if any(babel_numbers.format_decimal(n, locale=locale) != text for n, text in probes.items()):
        return None
    return group


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


@pass_context
def _template_gettext(context: Context, string: str, /, **variables) -> str:
    text = request_text().translations.ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = request_text().translations.ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app: Flask) -> None:
    # The templates' _() and ngettext(), as Flask-Babel installs them, but finding the request's catalog once.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: request_text().translations.ugettext(s),
        ngettext=lambda s, p, n: request_text().translations.ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_text().translations.upgettext(c, s),
        npgettext=lambda c, s, p, n: request_text().translations.unpgettext(c, s, p, n),
    )
    # _() and ngettext() as Jinja's newstyle i18n makes them (escaped, always a format string), in one call
    # each: Jinja's `_` resolves `gettext`, which calls the function above, each through the context.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.jinja_env.globals.update(
        LOCALES=LOCALES,
        NATIVE_NAMES=NATIVE_NAMES,
        LANGUAGE_TITLES=LANGUAGE_TITLES,
        html_lang=lambda: HTML_LANG.get(str(current_locale()), "en"),
        current_locale=lambda: str(current_locale()),
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
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["format_date"] = local_date
    app.jinja_env.globals["format_percent"] = format_percent
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["localized_locale"] = localized_locale  # which language localized() answers in
