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


def fine_start(slos: Sequence[SLO], days: Sequence[date], tz: str) -> pd.Timestamp:
    """Where a status of ``days`` needs buckets from when periods come from roll-ups: a
    local midnight at least the longest window (3 days, or an SLO's longest alert window)
    before the first day ends, with a day to spare for DST."""
    need = max([STATUS_WINDOWS["3d"]] + [w.long for s in slos for w in s.windows])
    back = -(-need // timedelta(days=1)) + 1
    return day_bounds(days[0] - timedelta(days=back), tz)[0]


def status_plan(
    rollups: pd.DataFrame, slos: Sequence[SLO], days: Sequence[date], tz: str, lookback_days: int
) -> Plan:
    """Which SLOs the status of ``days`` takes from roll-ups (:func:`~.rollup.plan`), with
    the local days of the look-back (``lookback_days`` before the first day) as boundaries."""
    ends = [int(day_bounds(d, tz)[1].value) for d in days]
    starts = np.array([[Evaluator.period_start_ns(s, at) for at in ends] for s in slos])
    fine = fine_start(slos, days, tz)
    first = days[0] - timedelta(days=lookback_days)
    bounds = [b for b, _ in local_days(first, days[0], tz) if b < fine]
    return plan(rollups, slos, starts.reshape(len(slos), len(ends)), bounds, fine)


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
