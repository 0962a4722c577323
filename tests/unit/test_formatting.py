"""Instants on the pages: the cached pattern says exactly what Babel's format_datetime says."""
from __future__ import annotations

import random
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import pytz
from babel import Locale
from babel import dates as babel_dates
from babel.numbers import format_currency
from flask_babel import force_locale

from mobility.i18n.formatting import format_instant, money

INSTANTS = (datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc),   # Europe's clocks go forward at 01:00 UTC
            datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc),  # and back
            datetime(2026, 11, 28, 4, 0),                         # naive: read as UTC
            datetime(2027, 1, 1, 23, 59, 59, tzinfo=timezone.utc))


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ja", "ko"])
@pytest.mark.parametrize("zone", [pytz.timezone("Asia/Seoul"), pytz.timezone("Europe/Berlin"),
                                  ZoneInfo("America/New_York"), pytz.utc])
def test_format_instant_says_what_babel_says(locale, zone):
    parsed = Locale.parse(locale)
    for format in ("short", "medium", "long", "full", "yyyy-MM-dd HH:mm"):
        for instant in INSTANTS:
            expected = babel_dates.format_datetime(instant, format, tzinfo=zone, locale=parsed)
            if locale == "ko" and format in ("short", "medium", "long", "full"):
                # Korean reads 오전/오후 where CLDR's abbreviated day periods say AM/PM.
                expected = expected.replace("AM", "오전").replace("PM", "오후")
            assert format_instant(instant, format, zone, parsed) == expected


def test_a_korean_viewer_in_seoul_reads_seoul_time():
    text = format_instant(datetime(2027, 4, 30, 9, 0, tzinfo=timezone.utc), "short", pytz.timezone("Asia/Seoul"),
                          Locale.parse("ko"))
    assert "6:00" in text and "27. 4. 30." in text


@pytest.mark.parametrize("format", ["short", "medium", "long", "full"])
def test_korean_times_read_ojeon_and_ohu_never_am_pm(format):
    korean = Locale.parse("ko")
    morning = format_instant(datetime(2027, 4, 30, 0, 5, tzinfo=timezone.utc), format, ZoneInfo("Asia/Seoul"), korean)
    afternoon = format_instant(datetime(2027, 4, 30, 6, 5, tzinfo=timezone.utc), format, ZoneInfo("Asia/Seoul"),
                               korean)
    assert "오전 9" in morning and "오후 3" in afternoon, (morning, afternoon)
    assert not any(mark in morning + afternoon for mark in ("AM", "PM"))


def test_the_time_of_a_save_reads_ohu_in_korean(app):
    from flask_babel import force_locale

    from mobility.i18n.formatting import local_time

    with app.test_request_context(), force_locale("ko"):
        assert local_time(datetime(2027, 4, 30, 15, 5)) == "오후 3:05"  # the default zone is UTC
    with app.test_request_context(), force_locale("en"):
        assert local_time(datetime(2027, 4, 30, 15, 5)) == "3:05\u202fPM"


@pytest.mark.parametrize(("text", "languages", "tag"), [
    ("湖州的竹林", ["zh"], "zh-Hans"),          # one language said: that one
    ("湖州的竹林", "zh", "zh-Hans"),
    ("湖州的竹林", ["en", "zh"], "zh-Hans"),    # several: the one whose script the text is in
    ("海の記憶", ["zh", "ja"], "ja"),
    ("鎌倉", ["en", "ja"], "ja"),
    ("바다의 기억", ["en", "ko"], "ko"),
    ("Memory of the sea", ["en", "ko"], "en"),
    ("바다", None, "ko"),                      # none said: the script tells
    ("", None, "und"),                         # nothing known: never the page's language
    ("湖州", "zh_Hans", "zh-Hans"),            # a UI locale works too
])
def test_every_user_text_gets_its_own_lang(text, languages, tag):
    from mobility.i18n.formatting import text_lang

    assert text_lang(text, languages) == tag


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ja", "ko", "de", "fr"])
@pytest.mark.parametrize("currency", ["EUR", "CNY", "JPY", "KRW"])
def test_amounts_are_written_exactly_as_babel_writes_them(app, locale, currency):
    """The fast path for amounts in lists gives Babel's own text: symbol, separators, digits, rounding."""
    values = [Decimal("0"), Decimal("0.005"), Decimal("0.015"), Decimal("2075"), Decimal("1452.50"),
              Decimal("999999999.995"), 7, Decimal("-495"), Decimal("NaN"), Decimal("Infinity")]
    values += [Decimal(random.Random(n).randint(0, 10**10)) / 10 ** (n % 5) for n in range(200)]
    with app.test_request_context(), force_locale(locale):
        for value in values:
            assert money(value, currency) == format_currency(value, currency, locale=locale), value


def test_a_deadline_reads_to_the_minute_without_seconds_or_a_second_zone(app):
    """Deadlines (the redress window, the call's closing) read "December 25, 2026, 7:59 AM (Asia/Seoul)";
    Korean with 오전/오후."""
    from datetime import datetime, timezone

    from flask_babel import force_locale

    from mobility.i18n.formatting import local_datetime

    instant = datetime(2026, 12, 24, 22, 59, 30, tzinfo=timezone.utc)
    from mobility.i18n.locales import TIMEZONE_COOKIE

    with app.test_request_context(headers={"Cookie": f"{TIMEZONE_COOKIE}=Asia/Seoul"}):
        expected = {"en": "December 25, 2026", "ko": "2026년 12월 25일 오전 7:59", "ja": "2026年12月25日 7:59"}
        for locale, start in expected.items():
            with force_locale(locale):
                text = local_datetime(instant, "deadline")
            assert text.startswith(start) and ":30" not in text and "+0900" not in text, text
