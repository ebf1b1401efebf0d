"""Capacity status: the day's utilisation against each resource's thresholds and headroom
target, and forecasts of when each threshold will be crossed (docs/capacity.md)."""

from sre_pipeline.capacity.forecast import Crossing, Trend, crossings, fit_trend

__all__ = ["Crossing", "Trend", "crossings", "fit_trend"]
