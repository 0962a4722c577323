"""Instants on the pages: the cached pattern says exactly what Babel's format_datetime says."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
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


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ja", "ko"])
def test_a_long_list_of_instants_reads_as_babel_writes_each(locale):
    """The pattern keeps each field's text per value it reads (year, month, hour …): across many instants, in
    every standard format and one of its own, each row still says exactly what Babel says of it alone."""
    parsed, zone = Locale.parse(locale), pytz.timezone("Europe/Berlin")
    rng = random.Random(17)
    instants = [datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randint(0, 8 * 365 * 86400))
                for _ in range(300)]
    for format in ("short", "medium", "long", "full", "EEE d MMM yy, hh:mm:ss a"):
        for instant in instants:
            expected = babel_dates.format_datetime(instant, format, tzinfo=zone, locale=parsed)
            if locale == "ko" and format in ("short", "medium", "long", "full"):
                expected = expected.replace("AM", "오전").replace("PM", "오후")
            assert format_instant(instant, format, zone, parsed) == expected, (format, instant)


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ja", "ko"])
def test_the_date_filter_writes_what_flask_babel_writes(app, locale):
    from flask_babel import format_date

    from mobility.i18n.formatting import local_date

    rng = random.Random(5)
    days = [date(2024, 1, 1) + timedelta(days=rng.randint(0, 2000)) for _ in range(200)]
    with app.test_request_context(), force_locale(locale):
        for format in (None, "short", "medium", "long", "full", "d MMM y"):
            for day in days:
                assert local_date(day, format) == format_date(day, format), (format, day)
        instant = datetime(2027, 4, 30, 23, 30, tzinfo=timezone.utc)  # an instant: moved into the viewer's zone
        assert local_date(instant, "long") == format_date(instant, "long")


def test_the_request_language_follows_a_forced_locale(app):
    """What a request resolves once (its catalog, the enum titles) changes with force_locale and back."""
    from mobility.applications.enums import ApplicationStatus
    from mobility.core.text import gettext, request_text

    with app.test_request_context():
        english = ApplicationStatus.SUBMITTED.title
        assert str(request_text().locale) == "en" and gettext("Applications") == "Applications"
        with force_locale("ko"):
            korean = ApplicationStatus.SUBMITTED.title
            assert str(request_text().locale) == "ko" and gettext("Applications") != "Applications"
        assert korean != english
        assert ApplicationStatus.SUBMITTED.title == english and gettext("Applications") == "Applications"


def test_wtforms_own_messages_are_in_the_request_language(app):
    """WTForms' messages come from its catalog of the request's locale (read once per process, then kept)."""
    from babel import support
    from flask import request
    from flask_wtf import FlaskForm
    from wtforms import IntegerField
    from wtforms.i18n import messages_path

    class NumberForm(FlaskForm):
        class Meta:
            csrf = False

        number = IntegerField()

    korean = support.Translations.load(messages_path(), [Locale.parse("ko")], domain="wtforms")
    expected = korean.ugettext("Not a valid integer value.")
    assert expected != "Not a valid integer value."
    for language, message in (("ko", expected), ("en", "Not a valid integer value."), ("ko", expected)):
        # a context of its own, as each request has (the test's own app context would share Flask-Babel's locale)
        with app.app_context(), app.test_request_context("/?number=x", headers={"Accept-Language": language}):
            assert NumberForm(request.args).number.process_errors == [message]


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ja", "ko", "de", "fr", "es", "hi"])
def test_counts_are_written_exactly_as_babel_writes_them(app, locale):
    """The fast path for counts gives Babel's own text; other values (negative, decimal) are Babel's."""
    from flask_babel import format_decimal

    from mobility.i18n.formatting import number

    rng = random.Random(3)
    values = [0, 1, 999, 1000, 1234, 10000, 99999, 123456, 1234567, 10**12, -5, -1234, Decimal("1234.5"), 12.5,
              *(rng.randint(0, 10**rng.randint(1, 10)) for _ in range(300))]
    with app.app_context(), app.test_request_context(), force_locale(locale):
        for value in values:
            assert number(value) == format_decimal(value), value
        assert number(1234, "#,##0.00") == format_decimal(1234, "#,##0.00")


def test_a_link_per_row_is_the_link_url_for_writes(app):
    from flask import url_for

    from mobility.core.urls import url_for_each

    with app.test_request_context():
        view = url_for_each("applications.view", "application_id")
        for value in (1, 42, 2**31 - 1):
            assert view(value) == url_for("applications.view", application_id=value)
        figure = url_for_each("reports.dashboard_list", "figure", pair=3, direction="eu_to_ea", year=2026, call="")
        for value in ("grants", "co_creations", "sector_creative", "a b/ü", 7):
            assert figure(value) == url_for("reports.dashboard_list", figure=value, pair=3, direction="eu_to_ea",
                                            year=2026, call="")


def test_a_deadline_shown_on_many_cards_reads_as_babel_writes_it(app):
    """time_left writes each deadline once a request (and locale): the same text as Babel's, in each language."""
    from flask_babel import format_timedelta

    from mobility.db import utcnow
    from mobility.i18n.formatting import time_left

    deadlines = [utcnow() + timedelta(days=3, hours=5), utcnow() - timedelta(hours=2), utcnow() + timedelta(days=40)]
    with app.app_context(), app.test_request_context():
        for locale in ("en", "ko", "ja"):
            with force_locale(locale):
                for _ in range(3):
                    for deadline in deadlines:
                        assert time_left(deadline) == format_timedelta(deadline - utcnow(), granularity="minute",
                                                                       add_direction=True)
        assert time_left(None) == ""
