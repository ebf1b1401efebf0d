"""The demo pipeline: the whole graph for the example configuration, in process.

Dagster keeps its runs under ``$SRE_PIPELINE_HOME/dagster`` (``DAGSTER_HOME``), so
``dagster dev -w workspace.yaml`` with the same ``DAGSTER_HOME`` shows the demo's runs.
"""

import os
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from sre_pipeline.defs.partitions import LOOKBACK_DAYS

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def dagster_home(home: Path) -> Path:
    """Create (if needed) and return the Dagster home used by the demo."""
    path = home / "dagster"
    path.mkdir(parents=True, exist_ok=True)
    (path / "dagster.yaml").touch()
    return path


def run_demo(home: Path, end: date, days: int, log=print) -> dict:
    """Materialise catalog, events and capacity (with the status lookback), status and alert
    episodes for ``days`` days before ``end``, then the SQL models. Returns run ids."""
    os.environ["DAGSTER_HOME"] = str(dagster_home(home))
    from sre_pipeline.definitions import ASSETS, CHECKS, resources_from_config
    from sre_pipeline.defs.resources import DemoSLISource, PostmortemSource

    resources = resources_from_config()
    if isinstance(resources["source"], DemoSLISource):
        resources["source"] = DemoSLISource(
            plan_path=resources["source"].plan_path, anchor=end.isoformat()
        )
    pm = resources["incident_source"]
    if isinstance(pm, PostmortemSource) and pm.authored_for:
        resources["incident_source"] = PostmortemSource(
            paths=pm.paths, authored_for=pm.authored_for, anchor=end.isoformat()
        )
    jobs = [
        dg.define_asset_job("demo_catalog", selection=["slo_catalog", "incidents", "action_items"]),
        dg.define_asset_job("demo_collect", selection=["sli_events", "capacity_samples"]),
        dg.define_asset_job("demo_status", selection=["slo_status", "burn_alerts"]),
        dg.define_asset_job("demo_models", selection=dg.AssetSelection.groups("models")),
    ]
    defs = dg.Definitions(assets=ASSETS, asset_checks=CHECKS, jobs=jobs, resources=resources)
    instance = dg.DagsterInstance.get()
    last = (end - timedelta(days=1)).isoformat()
    first_status = end - timedelta(days=days)
    plan = [
        ("demo_catalog", {}),
        (
            "demo_collect",
            {
                RANGE_START: (first_status - timedelta(days=LOOKBACK_DAYS)).isoformat(),
                RANGE_END: last,
            },
        ),  # fmt: skip
        ("demo_status", {RANGE_START: first_status.isoformat(), RANGE_END: last}),
        ("demo_models", {}),
    ]
    runs = {}
    for name, tags in plan:
        log(f"running {name} {tags.get(RANGE_START, '')}{'..' + tags[RANGE_END] if tags else ''}")
        result = defs.get_job_def(name).execute_in_process(
            instance=instance, tags=tags, raise_on_error=False
        )
        if not result.success:
            failure = next((e for e in result.all_events if e.is_failure), None)
            message = failure.message if failure else "unknown error"
            raise RuntimeError(f"{name} failed: {message}")
        runs[name] = result.run_id
    return runs
