"""A day's status from the warehouse: what ``slo_status`` does, without Dagster.

Reads the days' roll-ups (``slo_daily``), decides which SLOs take their periods from them
(:func:`~sre_pipeline.slo.budget.daily.status_plan`), reads buckets only where needed (from a
few days back for those, over the whole period for the others), evaluates, replaces the days'
``slo_status`` rows, and stores the roll-ups it found missing for the others.

Buckets already in hand (:class:`Known`: what a collection in the same run has just written)
are taken from there instead of being read back; only the stretches outside them are read.
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
from sre_pipeline.warehouse.reads import EVENT_COLUMNS, read_event_parts, read_rollups
from sre_pipeline.warehouse.writes import Slice, insert_missing, replace_slice


@dataclass(frozen=True)
class Known:
    """Events of every SLO in ``[start, end)`` exactly as the warehouse holds them (a whole
    collection just written), so a status need not read them back."""

    frame: pd.DataFrame  # slo, bucket_start, good, total
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass
class StatusRun:
    """What a status run computed and read."""

    status: pd.DataFrame  # the slo_status rows written
    events: pd.DataFrame  # the buckets read (the days themselves included)
    from_rollups: list[str]  # SLOs whose periods came from roll-ups
    from_buckets: list[str]  # SLOs read from buckets over their whole period
    rollups_stored: int  # roll-ups this run found missing and stored
    rows_read: int = 0  # buckets read from the warehouse (not those in hand)


def run_status(
    engine: Engine,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    width: timedelta,
    lookback_days: int,
    known: Known | None = None,
) -> StatusRun:
    """Compute and store the status of ``days`` (local days of ``tz``) for ``slos``; buckets
    inside ``known`` are taken from it, not read."""
    start, end = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    ids = [s.id for s in slos]
    first = start - timedelta(days=lookback_days)
    plan = status_plan(read_rollups(engine, first, end, ids), slos, days, tz, lookback_days)
    rolled = [slos[i].id for i in plan.rolled]
    fine = [slos[i].id for i in plan.fine]
    parts = [(plan.fine_start, rolled), (first, fine)]
    events, rows_read = read_events_of(engine, parts, end, ids, known)
    status = daily_status(events, slos, days, tz, width, plan)
    replace_slice(engine, tables.slo_status, status, Slice("day", days[0], days[-1] + timedelta(1)))
    stored = heal_rollups(engine, events, [slos[i] for i in plan.fine], days, tz, first, width)
    return StatusRun(status, events, rolled, fine, stored, rows_read)


def read_events_of(
    engine: Engine, parts, end, ids: Sequence[str], known: Known | None = None
) -> tuple[pd.DataFrame, int]:
    """Events of each ``(from, SLO ids)`` part up to ``end``, as one frame (categories: ``ids``),
    and how many were read: from the warehouse, except inside ``known``, whose rows are taken
    as they are."""
    if known is None or known.start >= end or known.end <= known.start:
        frame = read_event_parts(engine, [(since, end, part) for since, part in parts], ids)
        return frame, len(frame)
    reads, taken = [], []
    for since, part in parts:
        if not part:
            continue
        reads.append((since, min(end, known.start), part))  # before what is in hand
        reads.append((max(since, known.end), end, part))  # after it (a day still going)
        lo, hi = max(since, known.start), min(end, known.end)
        if lo < hi:
            frame, stamps = known.frame, known.frame["bucket_start"]
            keep = (stamps >= lo) & (stamps < hi)
            if len(part) < len(ids):
                keep &= frame["slo"].isin(part)
            taken.append(frame.loc[keep, list(EVENT_COLUMNS)])
    read = read_event_parts(engine, reads, ids)
    frames = [_with_categories(f, ids) for f in (read, *taken) if len(f)] or [read]
    out = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return out.reset_index(drop=True), len(read)


def _with_categories(frame: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``slo`` a categorical of exactly ``ids`` (frames concatenate as one)."""
    slo = frame["slo"]
    if isinstance(slo.dtype, pd.CategoricalDtype):
        slo = slo.cat.set_categories(list(ids))
    else:
        slo = pd.Categorical(slo, categories=list(ids))
    return frame.assign(slo=slo)


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
