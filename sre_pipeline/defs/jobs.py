"""Jobs, schedules and the run-failure sensor.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from datetime import timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.defs.partitions import TIME_ZONE
from sre_pipeline.defs.resources import WarehouseResource
from sre_pipeline.warehouse import schema as tables

collection_job = dg.define_asset_job(
    "collection_job",
    selection=dg.AssetSelection.assets("sli_events", "capacity_samples"),
    description="Collect today's SLI counts and capacity samples.",
)
status_job = dg.define_asset_job(
    "status_job",
    selection=dg.AssetSelection.assets("slo_status", "burn_alerts"),
    description="Daily status and alert episodes.",
)
weekly_job = dg.define_asset_job(
    "weekly_job",
    selection=dg.AssetSelection.groups("incidents", "models"),
    description="Incidents and action items from the postmortems, then the weekly marts: SLO "
    "summary, action items, incidents, capacity.",
)


@dg.schedule(job=collection_job, cron_schedule="5 * * * *", execution_timezone=TIME_ZONE)
def collection_schedule(context: dg.ScheduleEvaluationContext):
    """Hourly: re-collect today's partition (idempotent, so each run completes the day)."""
    key = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(run_key=f"collect-{context.scheduled_execution_time:%Y%m%d%H}",
                         partition_key=key)  # fmt: skip


@dg.schedule(job=status_job, cron_schedule="30 0 * * *", execution_timezone=TIME_ZONE)
def status_schedule(context: dg.ScheduleEvaluationContext):
    """Daily at 00:30: yesterday's status, now that the day is complete."""
    day = (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()
    return dg.RunRequest(run_key=f"status-{day}", partition_key=day)


weekly_schedule = dg.ScheduleDefinition(
    name="weekly_schedule",
    job=weekly_job,
    cron_schedule="0 9 * * 1",
    execution_timezone=TIME_ZONE,
    description="Monday 09:00: incidents, action items and the weekly marts.",
)


@dg.run_failure_sensor(description="Records every failed run in the warehouse audit table.")
def run_failure_sensor(context: dg.RunFailureSensorContext, warehouse: WarehouseResource):
    """Append the failure (job, run id, message) to ``outbound_audit``."""
    run = context.dagster_run
    row = {
        "at": pd.Timestamp.now(tz="UTC").to_pydatetime(),
        "kind": "run_failure",
        "action": "record",
        "target": run.job_name,
        "fingerprint": run.run_id,
        "outcome": "failed",
        "detail": (context.failure_event.message or "")[:2000],
    }
    with warehouse.engine().begin() as conn:
        conn.execute(tables.outbound_audit.insert(), [row])
