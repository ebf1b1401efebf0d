"""Daily figures for the warehouse: status at the end of each local day, and the alert
episodes that start in a day. Days are calendar days of the configured time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.days import day_bounds, local_days, week_bounds, week_start
from sre_pipeline.slo.budget.episode_plan import EpisodePlan, fill_holes
from sre_pipeline.slo.budget.episodes import alert_episodes
from sre_pipeline.slo.budget.evaluator import STATUS_WINDOWS, Evaluator
from sre_pipeline.slo.budget.rollup import Plan, day_rollups, plan
from sre_pipeline.slo.model import SLO

__all__ = [  # the calendar helpers live in .days; importing them from here keeps working
    "EPISODE_CONTEXT",
    "collected_rollups",
    "daily_episodes",
    "daily_status",
    "day_bounds",
    "fine_start",
    "local_days",
    "status_plan",
    "week_bounds",
    "week_start",
    "window_starts",
]
STATUS_COLUMNS_DROP = ("at",)
EPISODE_CONTEXT = timedelta(days=3)  # the longest default window: an episode's run-up


def collected_rollups(
    events: pd.DataFrame,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    window: tuple[pd.Timestamp, pd.Timestamp],
    width: timedelta,
) -> pd.DataFrame:
    """The roll-ups of a collection of ``days`` that covered ``window`` (a day not over yet is
    rolled up to where the collection stopped, and rolled up again when collected whole)."""
    start, until = window
    intervals = []
    for day in days:
        lo, hi = day_bounds(day, tz)
        lo, hi = max(lo, start), min(hi, until)
        if lo < hi:
            intervals.append((lo, hi))
    return day_rollups(events, slos, intervals, int(width.total_seconds()) * 10**9)


def _windows(slos: Sequence[SLO]) -> set[timedelta]:
    """Every window a status sums at its instant: the status windows and each SLO's alert
    windows (long and short)."""
    out = set(STATUS_WINDOWS.values())
    for slo in slos:
        out.update(w for pair in slo.windows for w in (pair.long, pair.short))
    return out


def _is_midnight(ts: pd.Timestamp, tz: str) -> bool:
    local = ts.tz_convert(tz)
    return local == local.normalize()


def fine_start(slos: Sequence[SLO], days: Sequence[date], tz: str) -> pd.Timestamp:
    """Where a status of ``days`` needs buckets when its periods come from roll-ups: the
    first day's local midnight, or earlier where a window ending at a day's end starts
    inside a local day (a 36-hour window; a 1-day window across a DST change): from that
    day's midnight. A window that starts on a local midnight (1 and 3 days, most days) is
    summed from the roll-ups of its whole days, as the period is."""
    need = day_bounds(days[0], tz)[0]
    windows = _windows(slos)
    for day in days:
        end = day_bounds(day, tz)[1]
        for window in windows:
            start = end - window
            if start < need and not _is_midnight(start, tz):
                need = day_bounds(start.tz_convert(tz).date(), tz)[0]
    return need


def window_starts(slos: Sequence[SLO], days: Sequence[date], tz: str) -> np.ndarray:
    """``n_slos x k`` instants (ns) where the windows of each SLO start, as of each day's end:
    the roll-ups must cover them as they cover the periods."""
    ends = np.array([day_bounds(d, tz)[1].value for d in days], dtype=np.int64)
    status = [int(pd.Timedelta(w).value) for w in STATUS_WINDOWS.values()]
    rows, by_windows = [], {}  # SLOs share their windows: each set computed once
    for slo in slos:
        own = tuple(int(pd.Timedelta(w).value) for p in slo.windows for w in (p.long, p.short))
        if own not in by_windows:
            status_starts = (ends[:, None] - np.array(status, dtype=np.int64)).ravel()
            own_starts = (ends[:, None] - np.array(own, dtype=np.int64)).ravel()
            by_windows[own] = np.concatenate([status_starts, own_starts]).tolist()
        rows.append(by_windows[own])
    width = max(len(r) for r in rows) if rows else 0
    # SLOs with fewer windows repeat their last start: the same requirement, a full matrix
    return np.array([r + r[-1:] * (width - len(r)) for r in rows], dtype=np.int64)


def status_plan(
    rollups: pd.DataFrame, slos: Sequence[SLO], days: Sequence[date], tz: str, lookback_days: int
) -> Plan:
    """Which SLOs the status of ``days`` takes from roll-ups (:func:`~.rollup.plan`), with
    the local days of the look-back (``lookback_days`` before the first day) as boundaries:
    those whose periods and windows start on boundaries with roll-ups from there on."""
    ends = [int(day_bounds(d, tz)[1].value) for d in days]
    starts = np.array([[Evaluator.period_start_ns(s, at) for at in ends] for s in slos])
    starts = starts.reshape(len(slos), len(ends))
    if len(slos):  # the windows' starts are summed from roll-ups too: they must be covered
        starts = np.hstack([starts, window_starts(slos, days, tz)])
    fine = fine_start(slos, days, tz)
    first = days[0] - timedelta(days=lookback_days)
    bounds = [b for b, _ in local_days(first, days[0], tz) if b < fine]
    return plan(rollups, slos, starts, bounds, fine)


def daily_status(
    events: pd.DataFrame,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    width: timedelta,
    status_plan: Plan | None = None,
) -> pd.DataFrame:
    """One row per SLO and day: every evaluator figure as of the end of the day. With a
    ``status_plan``, its rolled SLOs take their periods from its roll-ups and ``events`` need
    only reach back to its ``fine_start`` for them; the others are evaluated from buckets."""
    if not days or not slos:
        return pd.DataFrame()
    ends = [day_bounds(d, tz)[1] for d in days]
    groups = [(list(range(len(slos))), None)]
    if status_plan is not None:
        groups = [(status_plan.rolled, status_plan.prefix), (status_plan.fine, None)]
    frames = []
    for members, prefix in groups:
        if not members:
            continue
        group = [slos[i] for i in members]
        part = events
        if len(members) < len(slos):
            part = events[events["slo"].isin({s.id for s in group})]
        evaluator = Evaluator(part, group, ends[0], ends[-1], width=width, prefix=prefix)
        for day, end in zip(days, ends, strict=True):
            status = evaluator.status(end)
            status.insert(1, "day", day)
            status.insert(2, "week_start", week_start(day))
            status["_order"] = members
            frames.append(status)
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["day", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def daily_episodes(
    events: pd.DataFrame,
    slos: Sequence[SLO],
    days: Sequence[date],
    tz: str,
    width: timedelta,
    data_end: pd.Timestamp,
    episode_plan: EpisodePlan | None = None,
) -> pd.DataFrame:
    """Episodes that start within ``days``, followed to their end (or to ``data_end``, where
    an episode still firing stays open with no end). Every boundary from one bucket before
    the first day is evaluated: an episode already firing then started before the days.
    With an ``episode_plan``, its rolled SLOs' ``events`` need only its pieces (the holes are
    filled from its roll-ups); otherwise ``events`` reach back over the longest window."""
    start, _ = day_bounds(days[0], tz)
    _, last = day_bounds(days[-1], tz)
    until = min(pd.Timestamp(data_end), last + EPISODE_CONTEXT)
    if episode_plan is not None:
        until = min(until, episode_plan.until)
    groups = [(list(range(len(slos))), None)]
    if episode_plan is not None:
        groups = [(episode_plan.rolled, episode_plan), (episode_plan.fine, None)]
    frames = []
    for members, group_plan in groups:
        if not members or until < start:
            continue
        group = [slos[i] for i in members]
        part = events
        if len(members) < len(slos):
            part = events[events["slo"].isin({s.id for s in group})]
        grid_start = group_plan.span_start if group_plan is not None else None
        evaluator = Evaluator(part, group, start - width, until, width=width, grid_start=grid_start)
        if group_plan is not None:
            fill_holes(evaluator.grid, group_plan.holes, group_plan.fills)
        frames.append(alert_episodes(evaluator, start - 2 * width, until))
    if not frames:
        frames = [alert_episodes(Evaluator(events.iloc[:0], [], start, start, width=width))]
    found = [f for f in frames if len(f)]  # concat of empty frames would change dtypes
    episodes = pd.concat(found, ignore_index=True) if len(found) > 1 else (found or frames)[0]
    keep = (episodes["start"] >= start) & (episodes["start"] < last)
    episodes = episodes[keep].sort_values(["slo", "start", "severity", "long_window"])
    return episodes.reset_index(drop=True)
