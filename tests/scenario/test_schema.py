"""Durations, times of day and timeline moments as scenario files write them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.scenario.schema import (
    format_duration,
    format_time_of_day,
    parse_duration,
    parse_moment,
    parse_time_of_day,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("8h", 28800.0),
        ("90m", 5400.0),
        ("45s", 45.0),
        ("1h30m", 5400.0),
        ("1d2h3m4s", 93784.0),
        ("1.5h", 5400.0),
        (" 10m ", 600.0),
        ("0s", 0.0),
        (600, 600.0),
        (2.5, 2.5),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "bad", ["", "8", "h", "30m1h", "1h 30m", "-5m", "5 minutes", "1hh", -1, math.inf, True, None]
)
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (5400, "1h30m"), (86400, "1d"), (90061, "1d1h1m1s"), (2.5, "2.5s")],
)
def test_durations_written(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(0, 10**12))
def test_whole_durations_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.floats(0, 1e12, allow_nan=False, allow_infinity=False))
def test_any_duration_round_trips_exactly(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_negative_durations_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        format_duration(-1)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("08:00", 28800.0), ("8:00", 28800.0), ("00:00", 0.0), ("23:59:59", 86399.0)],
)
def test_times_of_day(text: str, seconds: float) -> None:
    assert parse_time_of_day(text) == seconds


@pytest.mark.parametrize("bad", ["24:00", "12:60", "12:00:60", "noon", "12", "12:5", 800, None])
def test_bad_times_of_day(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_time_of_day(bad)


@given(st.integers(0, 86399))
def test_times_of_day_round_trip(seconds: int) -> None:
    text = format_time_of_day(seconds)
    assert parse_time_of_day(text) == seconds
    assert len(text) == (5 if seconds % 60 == 0 else 8)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10:30", 9000.0),  # 2h30m after an 08:00 start
        ("08:00", 0.0),
        ("07:00", 82800.0),  # before the start: the next day's 07:00
        ("+2h", 7200.0),
        ("+0s", 0.0),
        (90, 90.0),
    ],
)
def test_moments_after_an_eight_oclock_start(text: object, seconds: float) -> None:
    assert parse_moment(text, 8 * 3600.0) == seconds


@pytest.mark.parametrize("bad", ["2h", "+", "+-1h", "soon", -5, "25:00"])
def test_bad_moments(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_moment(bad, 0.0)
