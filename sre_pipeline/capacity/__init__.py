"""Capacity status: the day's utilisation against each resource's thresholds and headroom
target, and forecasts of when each threshold will be crossed (docs/capacity.md)."""

from sre_pipeline.capacity.forecast import (
    Crossing,
    Trend,
    Trends,
    crossings,
    fit_trend,
    fit_trends,
)
from sre_pipeline.capacity.status import (
    Plan,
    daily_figures,
    state_of,
    status_frame,
    status_rows,
    worst_first,
)

__all__ = [
    "Crossing",
    "Plan",
    "Trend",
    "Trends",
    "crossings",
    "daily_figures",
    "fit_trend",
    "fit_trends",
    "state_of",
    "status_frame",
    "status_rows",
    "worst_first",
]
