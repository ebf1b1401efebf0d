"""SLO periods: rolling windows and calendar periods that start at local midnight."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from sre_pipeline.slo.periods import Period, to_utc

D, H = timedelta(days=1), timedelta(hours=1)
BERLIN, NY, TOKYO = "Europe/Berlin", "America/New_York", "Asia/Tokyo"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC") if "+" in text else pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize("days", [7, 28, 30])
def test_rolling(days):
    p = Period.rolling(timedelta(days=days))
    at = ts("2026-03-29T01:30:00")
    assert p.start_at(at) == at - pd.Timedelta(days=days)
    assert p.end_of(p.start_at(at)) == at
    assert p.length_at(at) == p.nominal == timedelta(days=days)
    assert (p.is_rolling, p.label, p.kind) == (True, f"{days}d", "rolling")


def test_naive_instants_are_utc():
    p = Period.calendar("month", TOKYO)
    assert p.start_at(pd.Timestamp("2026-02-10 12:00")) == p.start_at(ts("2026-02-10T12:00"))
    assert to_utc("2026-02-10 12:00") == ts("2026-02-10T12:00")
    assert to_utc(pd.Timestamp("2026-02-10T13:00", tz="Europe/Berlin")) == ts("2026-02-10T12:00")


@pytest.mark.parametrize(
    ("unit", "zone", "at", "start", "length"),
    [
        # weeks start on Monday at local midnight
        ("week", "UTC", "2026-01-07T12:00", "2026-01-05T00:00", 7 * D),  # Wednesday
        ("week", "UTC", "2026-01-11T23:59", "2026-01-05T00:00", 7 * D),  # Sunday night
        ("week", "UTC", "2026-01-05T00:00:01", "2026-01-05T00:00", 7 * D),  # just after Monday
        ("week", "UTC", "2026-01-05T00:00", "2025-12-29T00:00", 7 * D),  # exactly Monday: last week
        ("week", TOKYO, "2026-01-04T16:00", "2026-01-04T15:00", 7 * D),  # Monday 01:00 in Tokyo
        ("week", TOKYO, "2026-01-04T14:00", "2025-12-28T15:00", 7 * D),  # still Sunday in Tokyo
        ("week", BERLIN, "2025-03-27T12:00", "2025-03-23T23:00", 7 * D - H),  # spring DST week
        # months: length follows the calendar and DST
        ("month", "UTC", "2026-02-15T00:00", "2026-02-01T00:00", 28 * D),
        ("month", "UTC", "2024-02-29T12:00", "2024-02-01T00:00", 29 * D),
        ("month", "UTC", "2026-12-31T23:59", "2026-12-01T00:00", 31 * D),
        ("month", BERLIN, "2025-10-15T12:00", "2025-09-30T22:00", 31 * D + H),  # CEST -> CET
        ("month", BERLIN, "2025-10-26T02:30", "2025-09-30T22:00", 31 * D + H),  # after the change
        ("month", BERLIN, "2025-03-31T12:00", "2025-02-28T23:00", 31 * D - H),  # CET -> CEST
        ("month", BERLIN, "2025-10-31T22:59:59", "2025-09-30T22:00", 31 * D + H),
        ("month", BERLIN, "2025-10-31T23:00", "2025-09-30T22:00", 31 * D + H),  # exact boundary
        ("month", BERLIN, "2025-10-31T23:00:01", "2025-10-31T23:00", 30 * D),  # November
        ("month", NY, "2026-03-01T04:59", "2026-02-01T05:00", 28 * D),  # still February in NY
        ("month", NY, "2026-03-10T00:00", "2026-03-01T05:00", 31 * D - H),
        # quarters and years
        ("quarter", "UTC", "2026-05-10T00:00", "2026-04-01T00:00", 91 * D),
        ("quarter", "UTC", "2026-04-01T00:00", "2026-01-01T00:00", 90 * D),  # exact boundary
        ("quarter", "UTC", "2026-09-30T23:00", "2026-07-01T00:00", 92 * D),
        ("quarter", "UTC", "2026-12-01T00:00", "2026-10-01T00:00", 92 * D),
        ("quarter", BERLIN, "2025-11-20T00:00", "2025-09-30T22:00", 92 * D + H),
        ("year", "UTC", "2026-06-01T00:00", "2026-01-01T00:00", 365 * D),
        ("year", "UTC", "2024-06-01T00:00", "2024-01-01T00:00", 366 * D),
        ("year", "UTC", "2026-01-01T00:00", "2025-01-01T00:00", 365 * D),  # exact boundary
        ("year", BERLIN, "2025-12-31T23:30", "2025-12-31T23:00", 365 * D),  # 2026 in Berlin
    ],
)
def test_calendar_start_and_length(unit, zone, at, start, length):
    p = Period.calendar(unit, zone)
    assert p.start_at(ts(at)) == ts(start)
    assert p.start_at(ts(at)).tz is not None
    assert p.length_at(ts(at)) == length
    assert p.end_of(ts(start)) - ts(start) == pd.Timedelta(length)


@pytest.mark.parametrize(
    ("unit", "nominal"), [("week", 7), ("month", 30), ("quarter", 91), ("year", 365)]
)
def test_calendar_labels_and_nominal_length(unit, nominal):
    p = Period.calendar(unit, BERLIN)
    assert (p.kind, p.is_rolling, p.unit, p.time_zone) == ("calendar", False, unit, BERLIN)
    assert p.label == f"calendar-{unit}"
    assert p.nominal == timedelta(days=nominal)
    assert Period.calendar(unit).time_zone == "UTC"


TILES = [(u, z) for u in ("week", "month", "quarter", "year") for z in ("UTC", BERLIN, NY, TOKYO)]


@pytest.mark.parametrize(("unit", "zone"), TILES)
def test_consecutive_periods_tile_time(unit, zone):
    p = Period.calendar(unit, zone)
    start = p.start_at(ts("2025-01-10T12:00"))
    for _ in range(60 if unit == "week" else 8):
        end = p.end_of(start)
        assert end > start
        assert p.start_at(end) == start  # the boundary instant closes the period that ends there
        assert p.start_at(end + pd.Timedelta(seconds=1)) == end
        local = end.tz_convert(zone)
        assert (local.hour, local.minute) == (0, 0)
        assert local.weekday() == 0 if unit == "week" else local.day == 1
        start = end


def test_week_containing_the_autumn_dst_change():
    p = Period.calendar("week", BERLIN)
    at = ts("2025-10-24T12:00")  # Friday; Berlin leaves summer time on Sunday 26 October
    start = p.start_at(at)
    assert start == ts("2025-10-19T22:00")  # Monday 20 October, 00:00 CEST
    assert p.end_of(start) == ts("2025-10-26T23:00")  # Monday 27 October, 00:00 CET
    assert p.length_at(at) == 7 * D + H
