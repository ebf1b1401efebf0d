"""Daily figures for the warehouse: status at the end of each local day, and the alert
episodes that start in a day. Days are calendar days of the configured time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.episodes import alert_episodes
from sre_pipeline.slo.budget.evaluator import STATUS_WINDOWS, Evaluator
from sre_pipeline.slo.budget.rollup import Plan, day_rollups, plan
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


def local_days(first: date, last: date, tz: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """UTC bounds of each local day from ``first`` to ``last`` (inclusive)."""
    return [day_bounds(first + timedelta(days=i), tz) for i in range((last - first).days + 1)]


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
    ends = [day_bounds(d, tz)[1] for d in days]
    status = [end - w for end in ends for w in STATUS_WINDOWS.values()]
    rows = []
    for slo in slos:
        own = [end - w for end in ends for pair in slo.windows for w in (pair.long, pair.short)]
        rows.append([int(t.value) for t in status + own])
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
