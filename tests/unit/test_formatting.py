"""Instants on the pages: the cached pattern says exactly what Babel's format_datetime says."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import pytz
from babel import Locale
from babel import dates as babel_dates

from mobility.i18n.formatting import format_instant

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
            assert format_instant(instant, format, zone, parsed) == babel_dates.format_datetime(
                instant, format, tzinfo=zone, locale=parsed)


def test_a_korean_viewer_in_seoul_reads_seoul_time():
    text = format_instant(datetime(2027, 4, 30, 9, 0, tzinfo=timezone.utc), "short", pytz.timezone("Asia/Seoul"),
                          Locale.parse("ko"))
    assert "6:00" in text and "27. 4. 30." in text
