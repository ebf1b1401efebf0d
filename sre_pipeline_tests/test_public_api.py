"""Each package names its public API in ``__init__`` (``__all__``); this pins it, so a change
to what a package offers is a visible, reviewed change."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import sre_pipeline

API = {
    "sre_pipeline.capacity": "Crossing Plan Trend Trends crossings daily_figures fit_trend "
    "fit_trends state_of status_frame status_rows worst_first",
    "sre_pipeline.inputs": "DocContext Document DurationError InputModel Problem SpecError "
    "TimeError did_you_mean format_duration format_path invalid parse_datetime parse_day "
    "parse_documents parse_duration parse_instant promql_error read_documents render",
    "sre_pipeline.slo": "AlertMeta Budgeting Period PolicyTier SLI SLO Source WindowPair "
    "preset_windows tier_for",
    "sre_pipeline.slo.spec": "Catalog DEFAULT_SLOTH_PERIOD SPEC_SUFFIXES detect_format "
    "load_catalog spec_files",
    "sre_pipeline.slo.budget": "BucketGrid Evaluator STATUS_WINDOWS alert_episodes "
    "budget_series build_grid daily_episodes daily_status day_bounds infer_width week_start",
    "sre_pipeline.slo.rules": "build_rules rules_yaml sli_templates",
    "sre_pipeline.slo.exchange": "EventsFile read_events_csv status_json status_records "
    "status_table write_events_csv",
    "sre_pipeline.sources": "CapacityResult CollectResult PrometheusClient PrometheusConfig "
    "PrometheusError Resource SLICollector collect_capacity load_resources",
    "sre_pipeline.incidents": "ActionItem Incident PostmortemSet action_items_frame "
    "incidents_frame incomplete_items load_postmortems open_and_overdue",
    "sre_pipeline.quality": "QualityReport SuiteResult action_items_suite capacity_suite "
    "events_suite incidents_suite inputs_from_config quality_report run_suite status_suite",
    "sre_pipeline.warehouse": "CollectedWrite Slice default_url make_engine read_columns "
    "read_events read_slice replace_slice stored_catalog upgrade write_collected",
    "sre_pipeline.defs": "CodeLocation IncidentSource LocalRunner PipelineSettings "
    "PostmortemSource PrometheusSLISource SLISource UnconfiguredSource WarehouseResource "
    "build_defs preflight resources_from_config",
    "sre_pipeline.demo": "DemoHome DemoPlan DemoPostmortemSource DemoSLISource check_plan "
    "demo_resources generate_events load_plan run_demo simulate_capacity write_openmetrics",
}


@pytest.mark.parametrize("package", sorted(API))
def test_package_names_its_public_api(package):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(API[package].split())
    for name in module.__all__:
        value = getattr(module, name)
        assert callable(value) is False or value.__doc__, f"{package}.{name} has no docstring"
    assert module.__doc__ and "TODO" not in module.__doc__


def test_every_package_has_a_docstring():
    packages = [
        m.name
        for m in pkgutil.walk_packages(sre_pipeline.__path__, "sre_pipeline.")
        if m.ispkg and ".migrations" not in m.name
    ]
    assert set(API) <= set(packages)
    missing = [p for p in packages if not (importlib.import_module(p).__doc__ or "").strip()]
    assert missing == []
