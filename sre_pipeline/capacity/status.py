"""A resource's capacity status of each day: the day's utilisation figures, its state against
the thresholds, headroom against its target, week-over-week growth of the daily peak, and the
forecast of each threshold crossing (:mod:`.forecast`).

Figures are those of the local calendar day in the configured time zone. ``headroom`` is
capacity over peak demand (1 / peak utilisation: 2.0 means twice the peak fits), the quantity a
headroom target such as "2x" is written in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sre_pipeline.capacity.forecast import (
    ALREADY_ABOVE,
    BEYOND_HORIZON,
    FORECAST,
    RISING,
    first_day,
    fit_trends,
    trailing_run_start,
)

LEVELS = ("warn", "scale", "emergency")
STATES = ("ok", *LEVELS)
FIGURES = ("current_utilisation", "mean_utilisation", "p95_utilisation", "peak_utilisation")
DAILY_COLUMNS = ["resource", "day", *FIGURES, "samples"]


@dataclass(frozen=True)
class Plan:
    """What one resource is judged against."""

    name: str
    thresholds: tuple[float, float, float] = (0.7, 0.8, 0.9)  # warn, scale, emergency
    headroom_target: float = 2.0
    lookback_days: int = 28
    horizon_days: int = 90

    @classmethod
    def of(cls, resource) -> Plan:
        """The plan of a configured resource (``sources.capacity.Resource``)."""
        return cls(
            resource.name,
            resource.thresholds,
            resource.headroom_target,
            resource.lookback_days,
            resource.horizon_days,
        )


def daily_figures(samples: pd.DataFrame, time_zone: str) -> pd.DataFrame:
    """Per resource and local day (the rows of the warehouse table ``capacity_daily``): the
    last sample (``current_utilisation``), the mean, 95th percentile and peak utilisation,
    and the number of samples. Samples without a utilisation are ignored."""
    frame = samples.dropna(subset=["utilisation"])
    if frame.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    local = pd.to_datetime(frame["ts"], utc=True).dt.tz_convert(time_zone)
    # the local midnight as a plain datetime (dates are made once per group, not per sample);
    # groups keep the rows' order, so ordering by time alone makes "last" the day's last sample
    day = local.dt.tz_localize(None).dt.normalize()
    frame = frame.assign(day=day, ts=local).sort_values("ts", kind="stable")
    grouped = frame.groupby(["resource", "day"], sort=True)["utilisation"]
    out = pd.DataFrame(
        {
            "current_utilisation": grouped.last(),
            "mean_utilisation": grouped.mean(),
            "p95_utilisation": grouped.quantile(0.95),
            "peak_utilisation": grouped.max(),
            "samples": grouped.size(),
        }
    ).reset_index()
    out["day"] = out["day"].dt.date
    return out[DAILY_COLUMNS]


WORST_FIRST = ("emergency", "scale", "warn", "ok")


def worst_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Status rows worst first: by state (emergency, scale, warn, ok, then days without data),
    then hotter first, then by name."""
    rank = frame["state"].map({s: k for k, s in enumerate(WORST_FIRST)}).fillna(len(WORST_FIRST))
    order = frame.assign(_rank=rank).sort_values(
        ["_rank", "peak_utilisation", "resource"], ascending=[True, False, True]
    )
    return order.drop(columns="_rank")


def state_of(peak: float | None, thresholds: Sequence[float]) -> str | None:
    """``ok`` / ``warn`` / ``scale`` / ``emergency`` for a day's peak; None without data."""
    if peak is None or pd.isna(peak):
        return None
    reached = [name for name, level in zip(LEVELS, thresholds, strict=True) if peak >= level]
    return reached[-1] if reached else "ok"


def status_rows(daily: pd.DataFrame, plans: Sequence[Plan], days: Sequence[date]) -> list[dict]:
    """:func:`status_frame` as one dict per row, None where a figure is missing."""
    frame = status_frame(daily, plans, days)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def status_frame(daily: pd.DataFrame, plans: Sequence[Plan], days: Sequence[date]) -> pd.DataFrame:
    """The status of every resource on each of ``days`` (a row per plan and day, in that
    order), from ``daily`` (as :func:`daily_figures` gives it, covering at least the
    look-back and the week before each day; earlier days only lengthen a run of days above a
    threshold). A day without samples has no figures and no state, and says why in
    ``trend``. All resources are fitted at once (:func:`.forecast.fit_trends`)."""
    if not plans or not days:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    names = [p.name for p in plans]
    lookback = np.array([p.lookback_days for p in plans])
    horizon = np.array([p.horizon_days for p in plans])
    levels = np.array([p.thresholds for p in plans], dtype=float)
    target = np.array([p.headroom_target for p in plans], dtype=float)
    first = min([*daily["day"], min(days) - timedelta(days=int(lookback.max()) + 7)])
    calendar = pd.date_range(first, max(days)).date
    wide = {column: _matrix(daily, column, names, calendar) for column in FIGURES}
    return pd.concat(
        [
            _day(
                wide, calendar, list(calendar).index(day), names, lookback, horizon, levels, target
            )
            for day in days
        ],
        ignore_index=True,
    )


STATUS_COLUMNS = [
    "resource",
    "day",
    "week_start",
    *FIGURES,
    "state",
    "headroom",
    "headroom_target",
    "headroom_ok",
    "peak_growth_wow",
    "trend",
    "trend_per_day",
    *[f"{lv}_{part}" for lv in LEVELS for part in ("status", "on", "earliest", "latest", "since")],
]


def _matrix(daily: pd.DataFrame, column: str, names: list[str], calendar) -> np.ndarray:
    """``column`` of ``daily`` as a matrix: a row per name (plans may repeat one), a column
    per calendar day, NaN where there is no figure."""
    wide = daily.pivot_table(index="resource", columns="day", values=column, aggfunc="last")
    wide = wide.reindex(index=pd.Index(names).unique(), columns=calendar)
    return wide.to_numpy(dtype=float)[wide.index.get_indexer(names)]


def _day(wide, calendar, c, names, lookback, horizon, levels, target) -> pd.DataFrame:
    day = calendar[c]
    width = int(lookback.max())
    peaks = wide["peak_utilisation"]
    window = np.full((len(names), width), np.nan)
    lo = max(0, c - width + 1)
    window[:, width - (c - lo + 1) :] = peaks[:, lo : c + 1]
    x = np.arange(-(width - 1), 1, dtype=float)
    window[x[None, :] <= -lookback[:, None]] = np.nan  # outside the resource's own look-back
    trends = fit_trends(window, x)
    peak = peaks[:, c]
    seen = ~np.isnan(peak)
    week_ago = peaks[:, c - 7] if c >= 7 else np.full(len(names), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        headroom = np.where(peak > 0, 1 / peak, np.nan)
        growth = np.where(week_ago > 0, peak / week_ago - 1, np.nan)
    reached = (peak[:, None] >= levels) & seen[:, None]
    state = np.where(seen, "ok", None).astype(object)
    for k, name in enumerate(LEVELS):
        state[reached[:, k]] = name
    out = {
        "resource": names,
        "day": day,
        "week_start": day - timedelta(days=day.weekday()),
        **{column: wide[column][:, c] for column in FIGURES},
        "state": state,
        "headroom": headroom,
        "headroom_target": target,
        "headroom_ok": np.where(np.isnan(headroom), None, headroom >= target),
        "peak_growth_wow": growth,
        "trend": np.where(seen, trends.status, "no data"),
        "trend_per_day": trends.slope,
    }
    ahead = np.arange(1, int(horizon.max()) + 1, dtype=float)
    within = ahead[None, :] <= horizon[:, None]
    mean, low, high = trends.band(ahead)
    rising = trends.status == RISING
    history = peaks[:, : c + 1]
    for k, name in enumerate(LEVELS):
        since = trailing_run_start(history, levels[:, k])
        on, earliest, latest = (
            first_day((v >= levels[:, k : k + 1]) & within) for v in (mean, high, low)
        )
        status = np.where(rising, np.where(on > 0, FORECAST, BEYOND_HORIZON), trends.status)
        status = np.where(since >= 0, ALREADY_ABOVE, status)
        dated = rising & (since < 0)
        out[f"{name}_status"] = status
        for part, ahead_days in (("on", on), ("earliest", earliest), ("latest", latest)):
            out[f"{name}_{part}"] = [
                day + timedelta(days=int(k)) if d and k else None
                for d, k in zip(dated, ahead_days, strict=True)
            ]
        out[f"{name}_since"] = [calendar[i] if i >= 0 else None for i in since]
    return pd.DataFrame(out, columns=STATUS_COLUMNS)
