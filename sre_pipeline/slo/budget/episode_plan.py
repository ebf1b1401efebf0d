"""Which buckets the alert episodes of some days need, the rest summed from daily roll-ups.

An alert pair fires at a bucket boundary ``t`` when both of its windows burn fast enough; a
window ``[t - w, t)`` is a difference of two prefix sums, ``P(t) - P(t - w)``. The episodes
starting in ``days`` are found by evaluating every boundary from one bucket before the first
day (to tell an episode that starts at midnight from one already firing) to ``until``, so
prefix sums are needed at the instants ``X`` = those boundaries, each shifted back by every
window length. For one day with Google's windows ``X`` is the day itself and the six hours
before it, one bucket before the day a day back, and the day three days back: the days in
between hold no instant of ``X``.

A prefix sum stays exact at every instant of ``X`` when the buckets of such a stretch (a
*hole*, inside one local day) are not read but their sums are: the day's roll-up minus the
buckets of the day that were read, added to the prefix sums from the end of the hole on
(:func:`fill_holes`). So a day's episodes read three days of buckets instead of five; several
days at once leave no holes and read as before. An SLO without a usable roll-up of every
hole's day (budgeting changed, a day collected in part) reads every bucket from the start of
``X``, as before; timeslice SLOs' holes start and end on whole slices, so every slice that is
read is read whole.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.days import day_bounds
from sre_pipeline.slo.budget.grid import NS, BucketGrid
from sre_pipeline.slo.budget.rollup import budgeting_key
from sre_pipeline.slo.model import SLO

MIN_HOLE = timedelta(hours=1)  # a smaller hole saves little and needs a roll-up all the same


@dataclass(frozen=True)
class Hole:
    """Buckets ``[start, end)`` of the local day ``[day_start, day_end)`` not read."""

    day_start: pd.Timestamp
    day_end: pd.Timestamp
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class EpisodePlan:
    """What the episodes of some days read: ``pieces`` of buckets for the ``rolled`` SLOs
    (catalog positions), whose ``holes`` are filled from roll-ups (``fills``: bad, total and
    buckets present per rolled SLO and hole), and ``[span_start, until)`` whole for the
    ``fine`` ones."""

    span_start: pd.Timestamp
    until: pd.Timestamp
    pieces: list[tuple[pd.Timestamp, pd.Timestamp]]
    holes: list[Hole]
    rolled: list[int]
    fine: list[int]
    fills: tuple[np.ndarray, np.ndarray, np.ndarray]


def _window_lengths(slos: Sequence[SLO], width_ns: int) -> set[int]:
    """Every alert window in whole buckets (ns), as the episodes sum it (at least a bucket)."""
    out = set()
    for slo in slos:
        for pair in slo.windows:
            for w in (pair.long, pair.short):
                out.add(max(1, int(w.total_seconds()) * NS // width_ns) * width_ns)
    return out


def _alignment(slos: Sequence[SLO], width_ns: int) -> int:
    """Holes start and end on multiples of this: the bucket, and every timeslice SLO's slice."""
    out = width_ns
    for slo in slos:
        if slo.budgeting.slice is not None:
            out = math.lcm(out, int(slo.budgeting.slice.total_seconds()) * NS)
    return out


def _instants(slos, start_ns: int, until_ns: int, width_ns: int) -> list[tuple[int, int]]:
    """``X`` as merged closed intervals (ns): the evaluated boundaries and their shifts."""
    t_lo = start_ns - width_ns
    t_hi = until_ns - until_ns % width_ns
    spans = sorted([(t_lo, t_hi)] + [(t_lo - w, t_hi - w) for w in _window_lengths(slos, width_ns)])
    merged = [list(spans[0])]
    for lo, hi in spans[1:]:
        if lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def episode_geometry(
    slos: Sequence[SLO], days: Sequence[date], tz: str, width: timedelta, until: pd.Timestamp
) -> tuple[pd.Timestamp, list[tuple[pd.Timestamp, pd.Timestamp]], list[Hole]]:
    """(start of the buckets needed, pieces to read up to ``until``, holes) for the episodes
    of ``days`` evaluated up to ``until``."""
    width_ns = int(width.total_seconds()) * NS
    start_ns = int(day_bounds(days[0], tz)[0].value)
    until_ns = int(pd.Timestamp(until).value)
    xs = _instants(slos, start_ns, until_ns, width_ns)
    align = _alignment(slos, width_ns)
    span_start = xs[0][0] - xs[0][0] % align
    holes = []
    for (_, gap_lo), (gap_hi, _) in zip(xs, xs[1:], strict=False):
        day = pd.Timestamp(gap_lo, unit="ns", tz="UTC").tz_convert(tz).date()
        while True:
            ds, de = day_bounds(day, tz)
            if int(ds.value) >= gap_hi:
                break
            lo = max(int(ds.value), gap_lo)
            hi = min(int(de.value), gap_hi)
            lo, hi = -(-lo // align) * align, hi - hi % align
            big = hi - lo >= MIN_HOLE.total_seconds() * NS
            if int(ds.value) >= span_start and big:
                hole = Hole(ds, de, *(pd.Timestamp(x, unit="ns", tz="UTC") for x in (lo, hi)))
                # one hole a day: a roll-up gives one sum for all that is not read of it
                if holes and holes[-1].day_start == ds:
                    if hole.end - hole.start <= holes[-1].end - holes[-1].start:
                        day += timedelta(days=1)
                        continue
                    holes.pop()
                holes.append(hole)
            day += timedelta(days=1)
    pieces, lo = [], pd.Timestamp(span_start, unit="ns", tz="UTC")
    for hole in holes:
        if hole.start > lo:
            pieces.append((lo, hole.start))
        lo = hole.end
    end = pd.Timestamp(until)
    if end > lo:
        pieces.append((lo, end))
    return pieces[0][0] if pieces else end, pieces, holes


def episode_plan(
    rollups: pd.DataFrame,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    width: timedelta,
    until: pd.Timestamp,
) -> EpisodePlan:
    """Split ``slos`` into those with a usable roll-up (made under their current budgeting)
    of every hole's day, which read only the pieces, and the rest."""
    span_start, pieces, holes = episode_geometry(slos, days, tz, width, until)
    n, h = len(slos), len(holes)
    fills = tuple(np.zeros((n, h)) for _ in range(3))
    known = np.zeros((n, h), dtype=bool)
    if h and len(rollups):
        pos = {s.id: i for i, s in enumerate(slos)}
        keys = np.array([budgeting_key(s) for s in slos], dtype=object)
        rows = rollups["slo"].astype(object).map(pos)
        day_start = pd.to_datetime(rollups["day_start"], utc=True).array.as_unit("ns").asi8
        day_end = pd.to_datetime(rollups["day_end"], utc=True).array.as_unit("ns").asi8
        starts = np.array([int(x.day_start.value) for x in holes], dtype=np.int64)
        ends = np.array([int(x.day_end.value) for x in holes], dtype=np.int64)
        col = np.minimum(np.searchsorted(starts, day_start), h - 1)
        ok = rows.notna().to_numpy() & (starts[col] == day_start) & (ends[col] == day_end)
        r = rows.to_numpy()[ok].astype(np.int64)
        ok_idx = np.flatnonzero(ok)
        same = rollups["budgeting"].to_numpy()[ok] == keys[r]
        r, c, idx = r[same], col[ok][same], ok_idx[same]
        known[r, c] = True
        for array, column in zip(fills, ("bad", "total", "buckets"), strict=True):
            array[r, c] = rollups[column].to_numpy(dtype=np.float64)[idx]
    usable = known.all(axis=1)
    rolled = [i for i in range(n) if usable[i]]
    fine = [i for i in range(n) if not usable[i]]
    return EpisodePlan(
        span_start,
        pd.Timestamp(until),
        pieces,
        holes,
        rolled,
        fine,
        tuple(a[rolled] for a in fills),
    )


def fill_holes(grid: BucketGrid, holes: Sequence[Hole], fills) -> None:
    """Add each hole's sums (its day's roll-up minus what the grid holds of that day) to the
    grid's prefix sums from the hole's end on; ``fills`` rows are the grid's rows."""
    bad, total, present = fills
    before = []
    for k, hole in enumerate(holes):
        s = int(grid.index_at(int(hole.day_start.value)))
        e = int(grid.index_at(int(hole.day_end.value)))
        at = int(grid.index_at(int(hole.end.value)))
        before.append(
            (
                at,
                bad[:, k] - (grid.cbad[:, e] - grid.cbad[:, s]),
                total[:, k] - (grid.ctotal[:, e] - grid.ctotal[:, s]),
                present[:, k] - (grid.cpresent[:, e] - grid.cpresent[:, s]),
            )
        )
    # the grid's own sums first, then the fills: a fill shifts both ends of a later day alike
    for at, b, t, p in before:
        grid.cbad[:, at:] += b[:, None]
        grid.ctotal[:, at:] += t[:, None]
        grid.cpresent[:, at:] += p[:, None].astype(grid.cpresent.dtype)
