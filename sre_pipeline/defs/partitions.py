"""Daily partitions in the configured time zone: where they start, how far back a day's status
reads, and the day window of a (possibly multi-day) run.

Where partitions start (one rule, docs/operations.md "Partitions"):

1. ``start_date`` from the configuration, when it is set;
2. otherwise the first day the warehouse holds SLI events for, so the UI's partitions begin
   where the data does and a demo or back-fill shows filled, not hundreds of empty days;
3. otherwise (an empty warehouse) ``today - (look-back + 28 days)``: enough for a first
   back-fill of four weeks of status with their whole SLO period before them.

Rule 2 only moves earlier (a back-fill of older days extends it), so materialised partitions
never drop out of the UI.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import dagster as dg
import pandas as pd

FIRST_HISTORY_DAYS = 28  # days of status a first back-fill of an empty warehouse can fill
MIN_LOOKBACK_DAYS = 35


def lookback_days(slos) -> int:
    """Days of events a day's status needs: the catalog's longest period (a calendar quarter
    is up to 92 days) plus the 3-day alert window, at least 35."""
    longest = max(
        (s.period.nominal.days + (0 if s.period.is_rolling else 2) for s in slos), default=0
    )
    return max(MIN_LOOKBACK_DAYS, longest + 4)


def first_partition(
    configured: date | None, first_stored: date | None, today: date, lookback: int
) -> date:
    """The first daily partition by the rule in the module docstring."""
    if configured is not None:
        return configured
    if first_stored is not None:
        return first_stored
    return today - timedelta(days=lookback + FIRST_HISTORY_DAYS)


@dataclass(frozen=True)
class Partitioning:
    """The daily partitions of one code location and the status look-back they imply."""

    time_zone: str
    start: date
    lookback_days: int

    @cached_property
    def daily(self) -> dg.DailyPartitionsDefinition:
        """Local calendar days from :attr:`start`; ``end_offset=1``: today is collectable."""
        return dg.DailyPartitionsDefinition(
            start_date=self.start.isoformat(), timezone=self.time_zone, end_offset=1
        )

    @cached_property
    def weekly(self) -> dg.WeeklyPartitionsDefinition:
        """ISO weeks (Monday to Monday, local) from the week of :attr:`start`; a week's
        partition exists once it has ended (the weekly job runs on the Monday after)."""
        monday = self.start - timedelta(days=self.start.weekday())
        return dg.WeeklyPartitionsDefinition(
            start_date=monday.isoformat(), timezone=self.time_zone, day_offset=1
        )


def week_of(context) -> date:
    """The Monday of a weekly step's partition (one week per run: weekly assets have no
    multi-week back-fill policy)."""
    return date.fromisoformat(context.partition_key)


def days_of(context) -> list[date]:
    """The local calendar days a (possibly multi-partition, single-run) step covers."""
    return [date.fromisoformat(k) for k in context.partition_keys]


def utc_window(context) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC start and end of the step's partition time window (all its days; 23 or 25 hours
    for a day across a DST change)."""
    window = context.partition_time_window
    return pd.Timestamp(window.start).tz_convert("UTC"), pd.Timestamp(window.end).tz_convert("UTC")
