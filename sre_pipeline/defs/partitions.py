"""Partitions: daily for collection and status, weekly (Monday) for the review; both in the
configured time zone, from the configured start date."""

from datetime import date, timedelta

import dagster as dg

from sre_pipeline.config import load_config

_config = load_config()
TIME_ZONE = _config.time_zone
START = _config.start_date or (date.today() - timedelta(days=90))  # room for 28 days + lookback

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=START.isoformat(),
    timezone=TIME_ZONE,
    end_offset=1,  # today is collectable
)
weekly_partitions = dg.WeeklyPartitionsDefinition(
    start_date=(START - timedelta(days=START.weekday())).isoformat(),
    timezone=TIME_ZONE,
    day_offset=1,  # weeks start on Monday
)


def days_of(context) -> list[date]:
    """The local calendar days a (possibly multi-partition, single-run) materialisation covers."""
    keys = context.partition_keys
    return [date.fromisoformat(k) for k in keys]
