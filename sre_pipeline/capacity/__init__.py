"""Capacity status: the day's utilisation against each resource's thresholds and headroom
target, and forecasts of when each threshold will be crossed (docs/capacity.md)."""

from sre_pipeline.capacity.forecast import Crossing, Trend, crossings, fit_trend
from sre_pipeline.capacity.status import Plan, daily_figures, state_of, status_rows

__all__ = [
    "Crossing",
    "Plan",
    "Trend",
    "crossings",
    "daily_figures",
    "fit_trend",
    "state_of",
    "status_rows",
]
