"""Daily figures for the warehouse: status at the end of each local day, and the alert
episodes that start in a day. Days are calendar days of the configured time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from sre_pipeline.slo.budget.episodes import alert_episodes
from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.model import SLO

STATUS_COLUMNS_DROP = ("at",)
EPISODE_CONTEXT = timedelta(days=3)  # the longest default window: an episode's run-up


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


def daily_status(
    events: pd.DataFrame, slos: Sequence[SLO], days: Sequence[date], tz: str, width: timedelta
) -> pd.DataFrame:
    """One row per SLO and day: every evaluator figure as of the end of the day."""
    if not days or not slos:
        return pd.DataFrame()
    ends = [day_bounds(d, tz)[1] for d in days]
    evaluator = Evaluator(events, slos, ends[0], ends[-1], width=width)
    frames = []
    for day, end in zip(days, ends, strict=True):
        status = evaluator.status(end)
        status.insert(1, "day", day)
        status.insert(2, "week_start", week_start(day))
        frames.append(status)
    return pd.concat(frames, ignore_index=True)


def daily_episodes(
    events: pd.DataFrame,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    width: timedelta,
    data_end: pd.Timestamp,
) -> pd.DataFrame:
    """Episodes that start within ``days``, followed to their end (or to ``data_end``, where
    an episode still firing stays open with no end)."""
    start, _ = day_bounds(days[0], tz)
    _, last = day_bounds(days[-1], tz)
    until = min(data_end, last + EPISODE_CONTEXT)
    evaluator = Evaluator(events, slos, start - EPISODE_CONTEXT, until, width=width)
    episodes = alert_episodes(evaluator, start - EPISODE_CONTEXT, until)
    keep = (episodes["start"] >= start) & (episodes["start"] < last)
    return episodes[keep].reset_index(drop=True)
