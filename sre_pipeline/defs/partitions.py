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


def lookback_days(config=_config) -> int:
    """Days of events a day's status needs: the catalog's longest period (a calendar quarter
    is up to 92 days) plus the 3-day alert window, at least 35. Read once when the code
    location loads; an unreadable catalog falls back to 35 (its assets fail with the details)."""
    try:
        from sre_pipeline.slo.loader import load_catalog

        longest = max(
            (s.period.nominal.days + (2 if not s.period.is_rolling else 0))
            for s in load_catalog(config.slos).slos
        )
    except Exception:  # noqa: BLE001 - any spec problem is reported by the catalog asset
        return 35
    return max(35, longest + 4)


LOOKBACK_DAYS = lookback_days()


def days_of(context) -> list[date]:
    """The local calendar days a (possibly multi-partition, single-run) materialisation covers."""
    keys = context.partition_keys
    return [date.fromisoformat(k) for k in keys]
