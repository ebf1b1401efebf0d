"""A day's status from the warehouse: what ``slo_status`` does, without Dagster.

Reads the days' roll-ups (``slo_daily``), decides which SLOs take their periods from them
(:func:`~sre_pipeline.slo.budget.daily.status_plan`), reads buckets only where needed (from a
few days back for those, over the whole period for the others), evaluates, replaces the days'
``slo_status`` rows, and stores the roll-ups it found missing for the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine

from sre_pipeline.slo.budget.daily import (
    daily_status,
    day_bounds,
    fine_start,
    local_days,
    status_plan,
)
from sre_pipeline.slo.budget.rollup import day_rollups
from sre_pipeline.slo.model import SLO
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_event_parts, read_rollups
from sre_pipeline.warehouse.writes import Slice, insert_missing, replace_slice


@dataclass
class StatusRun:
    """What a status run computed and read."""

    status: pd.DataFrame  # the slo_status rows written
    events: pd.DataFrame  # the buckets read (the days themselves included)
    from_rollups: list[str]  # SLOs whose periods came from roll-ups
    from_buckets: list[str]  # SLOs read from buckets over their whole period
    rollups_stored: int  # roll-ups this run found missing and stored


def run_status(
    engine: Engine,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    width: timedelta,
    lookback_days: int,
) -> StatusRun:
    """Compute and store the status of ``days`` (local days of ``tz``) for ``slos``."""
    start, end = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    ids = [s.id for s in slos]
    first = start - timedelta(days=lookback_days)
    plan = status_plan(read_rollups(engine, first, end, ids), slos, days, tz, lookback_days)
    rolled = [slos[i].id for i in plan.rolled]
    fine = [slos[i].id for i in plan.fine]
    events = read_events_of(engine, [(plan.fine_start, rolled), (first, fine)], end, ids)
    status = daily_status(events, slos, days, tz, width, plan)
    replace_slice(engine, tables.slo_status, status, Slice("day", days[0], days[-1] + timedelta(1)))
    stored = heal_rollups(engine, events, [slos[i] for i in plan.fine], days, tz, first, width)
    return StatusRun(status, events, rolled, fine, stored)


def read_events_of(engine: Engine, parts, end, ids: Sequence[str]) -> pd.DataFrame:
    """Events of each ``(from, SLO ids)`` part up to ``end``, as one frame (categories: ``ids``)."""
    return read_event_parts(engine, [(since, end, part) for since, part in parts], ids)


def heal_rollups(
    engine: Engine,
    events: pd.DataFrame,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    read_from: pd.Timestamp,
    width: timedelta,
) -> int:
    """Store the roll-ups missing for ``slos``, read from buckets (after the upgrade that
    added roll-ups, or days collected before it), from ``events`` (read from ``read_from``):
    whole local days before the fine part only; never over a stored row."""
    if not slos:
        return 0
    end = fine_start(slos, days, tz)
    local = local_days((read_from - timedelta(days=1)).date(), days[0], tz)
    intervals = [(s, e) for s, e in local if s >= read_from and e <= end]
    ids = {s.id for s in slos}
    width_ns = int(width.total_seconds()) * 10**9
    rollups = day_rollups(events[events["slo"].isin(ids)], slos, intervals, width_ns)
    return insert_missing(engine, tables.slo_daily, rollups, "day_start", "slo")
