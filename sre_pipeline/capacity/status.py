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

from sre_pipeline.capacity.forecast import crossings, fit_trend

LEVELS = ("warn", "scale", "emergency")
STATES = ("ok", *LEVELS)
DAILY_COLUMNS = ["resource", "day", "current", "mean", "p95", "peak", "samples"]


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
    """Per resource and local day: the last sample (``current``), mean, 95th percentile and
    peak utilisation, and the number of samples. Samples without a utilisation are ignored."""
    frame = samples.dropna(subset=["utilisation"])
    if frame.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    local = pd.to_datetime(frame["ts"], utc=True).dt.tz_convert(time_zone)
    frame = frame.assign(day=local.dt.date, ts=local).sort_values(["resource", "ts"])
    grouped = frame.groupby(["resource", "day"], sort=True)["utilisation"]
    out = pd.DataFrame(
        {
            "current": grouped.last(),
            "mean": grouped.mean(),
            "p95": grouped.quantile(0.95),
            "peak": grouped.max(),
            "samples": grouped.size(),
        }
    ).reset_index()
    return out[DAILY_COLUMNS]


def state_of(peak: float | None, thresholds: Sequence[float]) -> str | None:
    """``ok`` / ``warn`` / ``scale`` / ``emergency`` for a day's peak; None without data."""
    if peak is None or pd.isna(peak):
        return None
    reached = [name for name, level in zip(LEVELS, thresholds, strict=True) if peak >= level]
    return reached[-1] if reached else "ok"


def _none(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def status_rows(daily: pd.DataFrame, plans: Sequence[Plan], days: Sequence[date]) -> list[dict]:
    """The status of every resource on each of ``days``, from ``daily`` (as
    :func:`daily_figures` gives it, covering the look-back and the week before each day). A day
    without samples has no figures and no state, and says why in ``trend``."""
    rows = []
    by_resource = {name: part for name, part in daily.groupby("resource")}
    for plan in plans:
        part = by_resource.get(plan.name, pd.DataFrame(columns=DAILY_COLUMNS))
        figures = part.set_index("day")
        peaks = figures["peak"].astype(float)
        for day in days:
            rows.append(_row(plan, figures, peaks, day))
    return rows


def _row(plan: Plan, figures: pd.DataFrame, peaks: pd.Series, day: date) -> dict:
    levels = dict(zip(LEVELS, plan.thresholds, strict=True))
    today = figures.loc[day] if day in figures.index else None
    peak = float(today["peak"]) if today is not None else None
    week_ago = peaks.get(day - timedelta(days=7))
    row = {
        "resource": plan.name,
        "day": day,
        "week_start": day - timedelta(days=day.weekday()),
        "current_utilisation": _none(float(today["current"])) if today is not None else None,
        "mean_utilisation": _none(float(today["mean"])) if today is not None else None,
        "p95_utilisation": _none(float(today["p95"])) if today is not None else None,
        "peak_utilisation": peak,
        "state": state_of(peak, plan.thresholds),
        "headroom": (1 / peak) if peak else None,
        "headroom_target": plan.headroom_target,
        "headroom_ok": (1 / peak >= plan.headroom_target) if peak else None,
        "peak_growth_wow": (peak / week_ago - 1) if peak is not None and week_ago else None,
    }
    trend = fit_trend(peaks, day, plan.lookback_days)
    row["trend"] = trend.status if today is not None else "no data"
    row["trend_per_day"] = trend.slope
    for c in crossings(peaks, trend, levels, day, plan.horizon_days):
        row[f"{c.threshold}_status"] = c.status
        row[f"{c.threshold}_on"] = c.on
        row[f"{c.threshold}_earliest"] = c.earliest
        row[f"{c.threshold}_latest"] = c.latest
        row[f"{c.threshold}_since"] = c.since
    return row
