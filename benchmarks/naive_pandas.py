"""A straightforward per-SLO pandas reference for status and alert episodes.

This is the implementation one would write first: loop over SLOs, give each its own frame on a
full bucket index (missing buckets are NaN), and use time-based ``rolling(W).sum()`` for every
window. It exists to check :mod:`sre_pipeline.slo` against independent code and to measure the
speed-up of the vectorised grid over it; it is not used by the pipeline.

Conventions (the same as the pipeline's): a row is labelled by its bucket start ``t`` and
``rolling(W)`` covers the rows in ``(t - W, t]``, i.e. the buckets that start at or after
``t + width - W`` and end at or before the evaluation instant ``t + width``. A window shorter
than one bucket covers one bucket. Alerts fire when both burn rates are strictly greater than
the factor and are evaluated at every bucket boundary in ``(start, end]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.model import SLO

STATUS_WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
}
EPISODE_COLUMNS = [
    "slo",
    "severity",
    "long_window",
    "short_window",
    "factor",
    "start",
    "end",
    "peak_burn_rate",
]


def calendar_month_start(at: pd.Timestamp, time_zone: str) -> pd.Timestamp:
    """UTC start of the local calendar month that ends at or after ``at`` (independent of
    :mod:`sre_pipeline.slo.periods`): at exactly local midnight on the 1st, the month just
    finished."""
    local = at.tz_convert(time_zone)
    start = pd.Timestamp(year=local.year, month=local.month, day=1).tz_localize(time_zone)
    if start == at:
        prev = (at - pd.Timedelta(seconds=1)).tz_convert(time_zone)
        start = pd.Timestamp(year=prev.year, month=prev.month, day=1).tz_localize(time_zone)
    return start.tz_convert("UTC")


def _runs(fire: np.ndarray) -> list[tuple[int, int]]:
    """(first, end exclusive) positions of every run of True."""
    edges = np.diff(np.concatenate(([0], fire.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def evaluate_one(
    frame: pd.DataFrame, slo: SLO, start: pd.Timestamp, end: pd.Timestamp, width: timedelta
) -> tuple[dict, list[dict]]:
    """Status at ``end`` and alert episodes over ``(start, end]`` of one SLO.

    ``frame`` holds this SLO's ``bucket_start``, ``good`` and ``total`` rows (any order, gaps
    allowed).
    """
    index = pd.date_range(start, end - width, freq=width)
    data = frame.set_index("bucket_start")[["good", "total"]].reindex(index)
    data = pd.DataFrame({"bad": data["total"] - data["good"], "total": data["total"]})
    budget = 1.0 - slo.objective
    rolled: dict[timedelta, pd.DataFrame] = {}

    def burn(td: timedelta) -> pd.Series:
        w = max(td, width)
        if w not in rolled:
            rolled[w] = data.rolling(w).sum()
        sums = rolled[w]
        return sums["bad"] / sums["total"].where(sums["total"] > 0) / budget

    status = {"slo": slo.id}
    for label, td in STATUS_WINDOWS.items():
        status[f"burn_rate_{label}"] = float(burn(td).iloc[-1])
    if slo.period.is_rolling:
        status["burn_rate_period"] = float(burn(slo.period.length).iloc[-1])
    else:  # calendar month: sum the buckets from the local first of the month
        since = data.loc[calendar_month_start(end, slo.period.time_zone) :]
        bad, total = since["bad"].sum(), since["total"].sum()
        status["burn_rate_period"] = bad / total / budget if total > 0 else np.nan
    status["budget_remaining"] = 1.0 - status["burn_rate_period"]

    episodes = []
    at = index + width  # evaluation instants: bucket ends
    for pair in slo.windows:
        long_br, short_br = burn(pair.long), burn(pair.short)
        fire = ((long_br > pair.factor) & (short_br > pair.factor)).to_numpy()
        for first, stop in _runs(fire):
            episodes.append(
                {
                    "slo": slo.id,
                    "severity": pair.severity,
                    "long_window": pair.long,
                    "short_window": pair.short,
                    "factor": pair.factor,
                    "start": at[first],
                    "end": at[stop] if stop < len(at) else pd.NaT,
                    "peak_burn_rate": float(long_br.iloc[first:stop].max()),
                }
            )
    return status, episodes


def split(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The long event frame split into one frame per SLO id."""
    return dict(tuple(events.groupby("slo", observed=True, sort=False)))


def evaluate(
    events: pd.DataFrame,
    slos: Sequence[SLO],
    start: pd.Timestamp,
    end: pd.Timestamp,
    width: timedelta = timedelta(minutes=5),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status frame (one row per SLO) and episode frame for ``slos``, one SLO at a time."""
    by_slo = split(events)
    empty = events.iloc[:0]
    statuses, episodes = [], []
    for slo in slos:
        status, eps = evaluate_one(by_slo.get(slo.id, empty), slo, start, end, width)
        statuses.append(status)
        episodes += eps
    return pd.DataFrame(statuses), pd.DataFrame(episodes, columns=EPISODE_COLUMNS)
