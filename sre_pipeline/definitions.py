"""The code location: ``dagster dev -w workspace.yaml`` loads ``defs`` from here.

Resources come from the pipeline configuration (``sre_pipeline.yaml`` or the embedded
defaults): the demo source unless Prometheus is configured, SQLite unless a warehouse URL is.
"""

import dagster as dg

from sre_pipeline.config import load_config
from sre_pipeline.defs.capacity_assets import capacity_samples
from sre_pipeline.defs.checks import (
    check_action_items,
    check_capacity_samples,
    check_incidents,
    check_sli_events,
)
from sre_pipeline.defs.incident_assets import incident_records
from sre_pipeline.defs.jobs import (
    collection_job,
    collection_schedule,
    run_failure_sensor,
    status_job,
    status_schedule,
    weekly_job,
    weekly_schedule,
)
from sre_pipeline.defs.model_assets import model_assets
from sre_pipeline.defs.resources import (
    DemoSLISource,
    PipelineSettings,
    PostmortemSource,
    PrometheusSLISource,
    WarehouseResource,
)
from sre_pipeline.defs.slo_assets import burn_alerts, sli_events, slo_catalog, slo_status
from sre_pipeline.sources.demo_plan import load_plan


def resources_from_config(config=None) -> dict:
    """Settings, source and warehouse resources for a configuration."""
    config = config or load_config()
    settings = PipelineSettings(
        slo_paths=config.slos,
        capacity_path=config.capacity,
        time_zone=config.time_zone,
        bucket_minutes=config.bucket_minutes,
        coverage_threshold=config.coverage_threshold,
        freshness_minutes=config.freshness_minutes,
    )
    if config.prometheus:
        p = config.prometheus
        source = PrometheusSLISource(
            url=p.url,
            # variable names, read by the step that needs them (see config.read_secrets)
            bearer_token_env=p.bearer_token_env,
            basic_auth_env=p.basic_auth_env,
            config_file=config.source,
            config_lines={k: v for k, v in config.lines.items() if k.startswith("prometheus.")},
            ca_bundle=p.ca_bundle,
            insecure=p.insecure,
            headers=p.headers,
            concurrency=p.concurrency,
            timeout_s=p.timeout_s,
        )
    else:
        source = DemoSLISource(plan_path=config.demo_plan)
    return {
        "settings": settings,
        "source": source,
        "incident_source": _incident_source(config),
        "warehouse": WarehouseResource(url=config.warehouse_url),
    }


def _incident_source(config) -> PostmortemSource:
    """The configured postmortems; without any, the demo plan's examples when the demo source
    is in use (re-anchored like its scenarios), else none."""
    if config.postmortems is not None:
        return PostmortemSource(paths=config.postmortems)
    if config.prometheus is None:
        plan = load_plan(config.demo_plan)
        if plan.postmortems is not None:
            return PostmortemSource(
                paths=[str(plan.postmortems)],
                authored_for=plan.postmortems_authored_for.isoformat(),
            )
    return PostmortemSource(paths=[])


ASSETS = [
    slo_catalog, sli_events, slo_status, burn_alerts, capacity_samples, incident_records,
    *model_assets(),
]  # fmt: skip

CHECKS = [check_sli_events, check_capacity_samples, check_incidents, check_action_items]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[collection_job, status_job, weekly_job],
    schedules=[collection_schedule, status_schedule, weekly_schedule],
    sensors=[run_failure_sensor],
    resources=resources_from_config(),
)
