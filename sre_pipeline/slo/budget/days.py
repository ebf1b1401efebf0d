"""Local calendar days and weeks of the pipeline's time zone, as UTC instants."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd


def day_bounds(day: date, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC start and end of a local calendar day (23 or 25 hours across DST changes)."""
    zone = ZoneInfo(tz)
    start = pd.Timestamp(day.isoformat()).tz_localize(zone)
    end = pd.Timestamp((day + timedelta(days=1)).isoformat()).tz_localize(zone)
    return start.tz_convert("UTC"), end.tz_convert("UTC")


def week_bounds(monday: date, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC start and end of the local week starting ``monday`` (Monday 00:00 to Monday)."""
    return day_bounds(monday, tz)[0], day_bounds(monday + timedelta(days=6), tz)[1]


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def local_days(first: date, last: date, tz: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """UTC bounds of each local day from ``first`` to ``last`` (inclusive)."""
    return [day_bounds(first + timedelta(days=i), tz) for i in range((last - first).days + 1)]
