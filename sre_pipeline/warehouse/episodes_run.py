"""A day's burn-rate alert episodes from the warehouse: what ``burn_alerts`` does, without
Dagster.

Finds where the data ends, plans the read (:func:`~sre_pipeline.slo.budget.episode_plan.
episode_plan`: the buckets the alert windows need, the days between them from the daily
roll-ups), reads only those buckets, evaluates the episodes that start in the days and
replaces the days' ``burn_alert_episodes`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine

from sre_pipeline.slo.budget.daily import EPISODE_CONTEXT, daily_episodes, day_bounds
from sre_pipeline.slo.budget.episode_plan import EpisodePlan, episode_geometry, episode_plan
from sre_pipeline.slo.model import SLO
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import latest_event_time, read_event_parts, read_rollups
from sre_pipeline.warehouse.writes import Slice, replace_slice


@dataclass
class EpisodeRun:
    """What an episodes run computed and read."""

    episodes: pd.DataFrame  # the burn_alert_episodes rows written
    plan: EpisodePlan
    rows_read: int
    data_end: pd.Timestamp


def data_end_of(
    engine: Engine, slos: Sequence[SLO], days: Sequence[date], tz: str, width, now
) -> pd.Timestamp:
    """Where the data of the days and the episodes' follow-up ends: the end of the latest
    bucket stored for the SLOs, at most ``now`` (floored to the bucket)."""
    start, end = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    end_of_data = pd.Timestamp(now).floor(width)
    latest = latest_event_time(
        engine,
        start - EPISODE_CONTEXT - timedelta(days=1),
        end + EPISODE_CONTEXT,
        [s.id for s in slos],
    )
    if latest is not None:
        end_of_data = min(end_of_data, latest + width)
    return end_of_data


def run_episodes(
    engine: Engine, slos: Sequence[SLO], days: Sequence[date], tz: str, width: timedelta, now
) -> EpisodeRun:
    """Compute and store the episodes that start in ``days`` (local days of ``tz``)."""
    start, end = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    ids = [s.id for s in slos]
    data_end = data_end_of(engine, slos, days, tz, width, now)
    until = max(min(data_end, end + EPISODE_CONTEXT), start)
    plan = episode_plan(
        _hole_rollups(engine, slos, days, tz, width, until), slos, days, tz, width, until
    )
    rolled, fine = [ids[i] for i in plan.rolled], [ids[i] for i in plan.fine]
    parts = [(lo, hi, rolled) for lo, hi in plan.pieces]
    parts.append((plan.span_start, plan.until, fine))
    events = read_event_parts(engine, parts, ids)
    episodes = daily_episodes(events, slos, days, tz, width, data_end, plan)
    replace_slice(engine, tables.burn_alert_episodes, episodes, Slice("start", start, end))
    return EpisodeRun(episodes, plan, len(events), data_end)


def _hole_rollups(engine, slos, days, tz, width, until) -> pd.DataFrame:
    """The roll-ups of the days the plan would not read (none when it reads them all)."""
    holes = episode_geometry(slos, days, tz, width, until)[2]
    if not holes:
        return pd.DataFrame()
    return read_rollups(engine, holes[0].day_start, holes[-1].day_end, [s.id for s in slos])
