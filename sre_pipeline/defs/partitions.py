"""Partitions: daily for collection and status, in the configured time zone, from the
configured start date (weekly partitions arrive with the weekly review)."""

from datetime import date

import dagster as dg

from sre_pipeline.config import load_config

_config = load_config()
TIME_ZONE = _config.time_zone
# A fixed default start: a moving one would make old partitions vanish from the UI each day.
START = _config.start_date or date(2025, 1, 1)

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=START.isoformat(),
    timezone=TIME_ZONE,
    end_offset=1,  # today is collectable
)


def days_of(context) -> list[date]:
    """The local calendar days a (possibly multi-partition, single-run) materialisation covers."""
    keys = context.partition_keys
    return [date.fromisoformat(k) for k in keys]
