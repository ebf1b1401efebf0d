"""SLO periods: rolling windows of whole days, or calendar weeks/months/quarters/years.

A calendar period resets the budget at its start in the SLO's time zone (midnight on Monday,
on the 1st of the month, ...), so "this month" follows local midnight across DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from sre_pipeline.inputs.durations import format_duration

CALENDAR_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Period:
    """An SLO period: ``rolling`` with a length, or ``calendar`` with a unit and a time zone."""

    kind: str  # "rolling" | "calendar"
    length: timedelta | None = None  # rolling only
    unit: str | None = None  # calendar only: week | month | quarter | year
    time_zone: str = "UTC"

    @classmethod
    def rolling(cls, length: timedelta) -> Period:
        """A rolling window such as the last 30 days."""
        return cls(kind="rolling", length=length)

    @classmethod
    def calendar(cls, unit: str, time_zone: str = "UTC") -> Period:
        """A calendar-aligned period (week starts Monday) in ``time_zone``."""
        return cls(kind="calendar", unit=unit, time_zone=time_zone)

    @property
    def is_rolling(self) -> bool:
        """True for a rolling window."""
        return self.kind == "rolling"

    @property
    def label(self) -> str:
        """Human and JSON label: ``30d`` for rolling, ``calendar-month`` for calendar periods."""
        if self.is_rolling:
            return format_duration(self.length)
        return f"calendar-{self.unit}"

    @property
    def nominal(self) -> timedelta:
        """Typical length used for factor scaling and budget minutes of calendar periods.

        For calendar periods the real length varies (28-31 days a month); ``length_at`` gives the
        exact one for a given instant.
        """
        if self.is_rolling:
            return self.length
        return {
            "week": timedelta(days=7),
            "month": timedelta(days=30),
            "quarter": timedelta(days=91),
            "year": timedelta(days=365),
        }[self.unit]

    def start_at(self, at: pd.Timestamp) -> pd.Timestamp:
        """Start (UTC) of the period that contains instant ``at``."""
        at = _utc(at)
        if self.is_rolling:
            return at - pd.Timedelta(self.length)
        local = at.tz_convert(ZoneInfo(self.time_zone))
        if self.unit == "week":
            day = local.date() - timedelta(days=local.weekday())
            start = _local_midnight(day.year, day.month, day.day, self.time_zone)
        else:
            months = CALENDAR_MONTHS[self.unit]
            month0 = ((local.month - 1) // months) * months + 1
            start = _local_midnight(local.year, month0, 1, self.time_zone)
        # An instant exactly at a boundary belongs to the period that ends there (the window
        # "ends at or before at"), so the period reported at midnight is the one just finished.
        if start == at:
            return self.start_at(at - pd.Timedelta(seconds=1))
        return start

    def end_of(self, start: pd.Timestamp) -> pd.Timestamp:
        """End (UTC) of the calendar period that begins at ``start``."""
        if self.is_rolling:
            return start + pd.Timedelta(self.length)
        local = start.tz_convert(ZoneInfo(self.time_zone))
        if self.unit == "week":
            # calendar arithmetic on the local date: a week across a DST change is 7 days
            # of the calendar (167 or 169 hours), not 168 absolute hours
            nxt = local.date() + timedelta(days=7)
            return _local_midnight(nxt.year, nxt.month, nxt.day, self.time_zone)
        months = CALENDAR_MONTHS[self.unit]
        month = local.month - 1 + months
        return _local_midnight(local.year + month // 12, month % 12 + 1, 1, self.time_zone)

    def length_at(self, at: pd.Timestamp) -> timedelta:
        """Exact length of the period containing ``at`` (constant for rolling periods)."""
        if self.is_rolling:
            return self.length
        start = self.start_at(at)
        return (self.end_of(start) - start).to_pytimedelta()


def _local_midnight(year: int, month: int, day: int, tz: str) -> pd.Timestamp:
    return pd.Timestamp(datetime(year, month, day, tzinfo=ZoneInfo(tz))).tz_convert("UTC")


def _utc(ts) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def to_utc(ts) -> pd.Timestamp:
    """Coerce anything pandas can parse into a UTC timestamp (naive means UTC)."""
    return _utc(ts)
