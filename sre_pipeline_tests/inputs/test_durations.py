"""Prometheus-style durations: strict units (``m`` minutes, ``M`` months), parse and format."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sre_pipeline.inputs.durations import (
    DurationError,
    format_duration,
    parse_duration,
    split_calendar,
)

S, MIN, H, D = (timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", 30 * S),
        ("5m", 5 * MIN),
        ("1h", H),
        ("1h30m", 90 * MIN),
        ("1d2h3m4s", D + 2 * H + 3 * MIN + 4 * S),
        ("28d", 28 * D),
        ("2w", 14 * D),
        ("1y", 365 * D),
        ("90m", 90 * MIN),
        ("1500ms", S),  # sub-second parts are dropped
        ("0s", timedelta(0)),
        ("  7d ", 7 * D),
    ],
)
def test_parse(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["1M", "3M", "1Q", "1Y", "1d1M"])
def test_calendar_units_have_no_fixed_length(text):
    with pytest.raises(DurationError, match="calendar unit") as exc:
        parse_duration(text)
    assert "m (minutes)" in str(exc.value)


def test_minutes_and_months_are_different_units():
    assert parse_duration("1m") == MIN
    with pytest.raises(DurationError, match="months have no fixed length"):
        parse_duration("1M")


@pytest.mark.parametrize(
    "text", ["", "   ", "5", "m", "5H", "5 m", "1h 30m", "-5m", "1.5h", "5min", "h1", "1h-", "P1D"]
)
def test_parse_errors(text):
    with pytest.raises(DurationError) as exc:
        parse_duration(text)
    assert isinstance(exc.value, ValueError)
    assert "e.g. '5m'" in str(exc.value) or "such as '5m'" in str(exc.value)


@pytest.mark.parametrize("value", [None, 5, 1.5, ["5m"]])
def test_parse_non_strings(value):
    with pytest.raises(DurationError, match=r"expected a duration string such as '5m' or '28d'"):
        parse_duration(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (5 * MIN, "5m"),
        (H, "1h"),
        (90 * MIN, "1h30m"),
        (D, "1d"),
        (3 * D, "3d"),
        (28 * D, "28d"),
        (7 * D, "7d"),  # never weeks
        (365 * D, "365d"),  # never years
        (D + H + MIN + S, "1d1h1m1s"),
        (3600, "1h"),
        (86400.0, "1d"),
        (timedelta(seconds=61.9), "1m1s"),  # whole seconds only
    ],
)
def test_format(value, text):
    assert format_duration(value) == text


@pytest.mark.parametrize("text", ["5m", "1h30m", "28d", "3d", "1d2h", "45s", "2h5m10s"])
def test_round_trip(text):
    assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1M", (1, "M")),
        (" 3M ", (3, "M")),
        ("1Q", (1, "Q")),
        ("2Y", (2, "Y")),
        ("1m", None),
        ("1y", None),
        ("1M1d", None),
        ("", None),
        (None, None),
    ],
)
def test_split_calendar(text, expected):
    assert split_calendar(text) == expected
