"""The code location's contract: it loads and validates, and names what the UI, the schedules
and the README promise (assets and groups, jobs, schedules, the sensor, the resources)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from sre_pipeline.config import REPO
from sre_pipeline.definitions import defs as load_defs
from sre_pipeline.defs.resources import (
    IncidentSource,
    PipelineSettings,
    SLISource,
    WarehouseResource,
)
from sre_pipeline_tests.defs.contract import ASSET_GROUPS, DAILY, LOCATION, SCHEDULES, WEEKLY

JOB_SELECTIONS = {
    "collection_job": {"slo_catalog", "sli_events", "capacity_samples"},
    "status_job": {"slo_catalog"} | DAILY,  # re-collects the day, then all of its status
    "weekly_job": {"slo_catalog"}
    | {k for k, g in ASSET_GROUPS.items() if g in ("incidents", "models", "review", "tickets")},
}
LOOKBACK_DAYS = 36  # the examples' longest period is a calendar month (<= 31 days) + 3 + 2


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    """The code location as Dagster loads it, on an empty throwaway warehouse."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SRE_PIPELINE_WAREHOUSE_URL", f"sqlite:///{home}/w.db")
        mp.delenv("SRE_PIPELINE_CONFIG", raising=False)
        return load_defs()


@pytest.mark.slow
def test_definitions_validate(tmp_path: Path):
    """``dagster definitions validate`` loads ``workspace.yaml`` the way ``dagster dev`` does."""
    (tmp_path / "dagster.yaml").write_text("")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path),
        "SRE_PIPELINE_HOME": str(tmp_path),
        "SRE_PIPELINE_WAREHOUSE_URL": f"sqlite:///{tmp_path}/w.db",
    }
    env.pop("SRE_PIPELINE_CONFIG", None)
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert f"Validation successful for code location {LOCATION}" in output


@pytest.mark.slow
def test_import_has_no_deprecation_warnings():
    """A fresh interpreter imports the code location with deprecation warnings as errors (they
    are removals announced for dagster 2.0)."""
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", f"import {LOCATION}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]


def test_assets_groups_and_partitions(defs):
    assert {k.to_user_string() for k in defs.resolve_all_asset_keys()} == set(ASSET_GROUPS)
    for name, group in ASSET_GROUPS.items():
        asset = defs.resolve_assets_def(name)
        key = dg.AssetKey(name)
        assert asset.group_names_by_key[key] == group, name
        assert asset.descriptions_by_key.get(key), f"{name} has no description"
        if name in DAILY:
            assert isinstance(asset.partitions_def, dg.DailyPartitionsDefinition), name
            assert asset.partitions_def.end_offset == 1, name  # today is collectable
        elif name in WEEKLY:  # ISO weeks from Monday 00:00, the last one the week that ended
            assert isinstance(asset.partitions_def, dg.TimeWindowPartitionsDefinition), name
            assert asset.partitions_def.cron_schedule == "0 0 * * 1", name
            assert asset.partitions_def.end_offset == 0, name
        else:
            assert asset.partitions_def is None, name


def test_slo_status_reaches_back_over_the_longest_period(defs):
    status = defs.resolve_assets_def("slo_status")
    mapping = status.get_partition_mapping(dg.AssetKey("sli_events"))
    assert isinstance(mapping, dg.TimeWindowPartitionMapping)
    assert (mapping.start_offset, mapping.end_offset) == (-LOOKBACK_DAYS, 0)
    # the mapping at work: the last daily partition depends on itself and the days before
    daily = status.partitions_def
    last = daily.get_last_partition_key()
    upstream = mapping.get_upstream_mapped_partitions_result_for_partitions(
        daily.subset_with_partition_keys([last]), daily, daily
    ).partitions_subset
    keys = sorted(upstream.get_partition_keys())
    assert keys[-1] == last
    assert len(keys) == min(LOOKBACK_DAYS + 1, len(daily.get_partition_keys()))


@pytest.mark.parametrize("name", ["sli_events", "capacity_samples"])
def test_collection_assets_retry(defs, name):
    policy = defs.resolve_assets_def(name).op.retry_policy
    assert policy is not None, f"{name} has no retry policy"
    assert policy.max_retries >= 1
    assert policy.backoff == dg.Backoff.EXPONENTIAL


def test_jobs_select_their_assets(defs):
    for name, expected in JOB_SELECTIONS.items():
        job = defs.resolve_job_def(name)
        assert job.asset_layer is not None, name
        selected = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
        assert selected == expected, name


def test_schedules(defs):
    for name, (cron, job) in SCHEDULES.items():
        schedule = defs.resolve_schedule_def(name)
        assert schedule.cron_schedule == cron, name
        assert schedule.execution_timezone == "UTC", name
        assert schedule.job_name == job, name


def test_weekly_schedule_runs_the_week_that_ended(defs):
    schedule = defs.resolve_schedule_def("weekly_schedule")
    monday = pd.Timestamp("2026-11-30 09:00", tz="UTC")
    context = dg.build_schedule_context(
        scheduled_execution_time=monday, repository_def=defs.get_repository_def()
    )
    (request,) = schedule.evaluate_tick(context).run_requests
    assert (request.partition_key, request.run_key) == ("2026-11-23", "weekly-2026-11-23")


def test_run_failure_sensor(defs):
    sensor = defs.resolve_sensor_def("run_failure_sensor")
    assert isinstance(sensor, dg.RunStatusSensorDefinition)
    assert sensor.sensor_type.value == "RUN_STATUS"
    assert "warehouse" in sensor.required_resource_keys


def test_resources(defs):
    resources = defs.resources or {}
    assert set(resources) == {
        "settings",
        "source",
        "incident_source",
        "warehouse",
        "quality",
        "mail",
        "tickets",
    }
    assert resources["quality"].worker  # the in-process executor: GX in a worker
    assert resources["mail"].email().transport == "outbox"  # the embedded default
    assert resources["tickets"].tickets().default_tracker == "outbox"
    assert isinstance(resources["settings"], PipelineSettings)
    assert isinstance(resources["source"], SLISource)
    assert isinstance(resources["incident_source"], IncidentSource)
    assert isinstance(resources["warehouse"], WarehouseResource)


def test_assets_carry_owners_tags_code_versions_and_table_metadata(defs):
    status = defs.resolve_assets_def("slo_status")
    key = dg.AssetKey("slo_status")
    spec = next(s for s in status.specs if s.key == key)
    # owners and tags come from the specs: teams, e-mail owners, services, tier labels
    assert "team:payments" in spec.owners and "alice@example.com" in spec.owners
    assert "service/checkout" in spec.tags and "tier/1" in spec.tags
    assert spec.code_version
    assert spec.metadata["dagster/table_name"] == "warehouse.slo_status"
    schema = spec.metadata["dagster/column_schema"]
    assert {"slo", "day", "budget_remaining", "policy_tier"} <= {c.name for c in schema.columns}
    assert spec.freshness_policy is not None
    events = next(s for s in defs.resolve_assets_def("sli_events").specs)
    assert events.freshness_policy is not None and events.code_version


def test_sql_models_are_described_by_their_leading_comment(defs):
    model = defs.resolve_assets_def("weekly_slo_summary")
    description = model.descriptions_by_key[dg.AssetKey("weekly_slo_summary")]
    assert description.startswith("One row per SLO and week")
    assert "{{" not in description and "SELECT" not in description  # no raw Jinja SQL
    spec = next(iter(model.specs))
    assert len(spec.code_version) == 12 and spec.freshness_policy is not None


def test_schedules_and_the_sensor_say_what_they_do(defs):
    for name in SCHEDULES:
        assert defs.resolve_schedule_def(name).description, name
    assert defs.resolve_sensor_def("run_failure_sensor").description
    assert (
        "re-collect the whole of yesterday"
        in defs.resolve_schedule_def("status_schedule").description
    )
