"""The budget math, on its own: bucket grids, attainment, error budgets, burn rates, time to
exhaustion, multiwindow alerts and their episodes, per day. It reads SLO models, never a spec
format (an import-linter contract keeps it so)."""

from sre_pipeline.slo.budget.daily import daily_episodes, daily_status, day_bounds, week_start
from sre_pipeline.slo.budget.episodes import alert_episodes, budget_series
from sre_pipeline.slo.budget.evaluator import STATUS_WINDOWS, Evaluator
from sre_pipeline.slo.budget.grid import BucketGrid, build_grid, infer_width

__all__ = [
    "STATUS_WINDOWS",
    "BucketGrid",
    "Evaluator",
    "alert_episodes",
    "budget_series",
    "build_grid",
    "daily_episodes",
    "daily_status",
    "day_bounds",
    "infer_width",
    "week_start",
]
