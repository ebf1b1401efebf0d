"""Data-quality suites (Great Expectations 1.x, imported lazily when a suite first runs; see
docs/quality.md): the suites of each table, their runner and the review's quality report."""

from sre_pipeline.quality.gx_runner import SuiteResult, run_suite
from sre_pipeline.quality.report import QualityReport, inputs_from_config, quality_report
from sre_pipeline.quality.suites import (
    action_items_suite,
    capacity_suite,
    events_suite,
    incidents_suite,
    status_suite,
)

__all__ = [
    "QualityReport",
    "SuiteResult",
    "action_items_suite",
    "capacity_suite",
    "events_suite",
    "incidents_suite",
    "inputs_from_config",
    "quality_report",
    "run_suite",
    "status_suite",
]
