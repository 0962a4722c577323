"""The app's clock: the real time, or inside `clock_at` the instant being played (the demo's past)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mobility.db import clock_at, utcnow


def test_the_clock_plays_an_instant_of_the_past_and_comes_back():
    before = utcnow()
    past = datetime(2025, 11, 3, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    with clock_at(past) as instant:
        assert utcnow() == instant == past and utcnow().tzinfo is timezone.utc
        with clock_at(past + timedelta(days=1)):
            assert utcnow() == past + timedelta(days=1)
        assert utcnow() == past
    assert before <= utcnow() <= datetime.now(timezone.utc)


def test_the_clock_refuses_a_naive_instant_and_the_future():
    with pytest.raises(ValueError, match="naive"):
        with clock_at(datetime(2025, 1, 1)):
            pass
    with pytest.raises(ValueError, match="future"):
        with clock_at(datetime.now(timezone.utc) + timedelta(minutes=5)):
            pass
    assert abs(utcnow() - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_the_clock_comes_back_after_an_error():
    with pytest.raises(RuntimeError):
        with clock_at(datetime(2025, 1, 1, tzinfo=timezone.utc)):
            raise RuntimeError("boom")
    assert abs(utcnow() - datetime.now(timezone.utc)) < timedelta(seconds=5)
