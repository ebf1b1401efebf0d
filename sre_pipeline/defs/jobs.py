"""Jobs, schedules and the run-failure sensor.

Every day is completed before its status is computed: the hourly collection collects today
up to the hour (each SLO from where the run before settled, docs/collector.md), and the daily
status job (00:30) first re-collects the whole of yesterday, including the buckets after the
last hourly run, then computes its status and alert episodes in the same run (the blocking
checks in between stop it if the collection failed).

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from datetime import timedelta
from types import SimpleNamespace

import dagster as dg
import pandas as pd

from sre_pipeline.defs.resources import PipelineSettings, TicketResource, WarehouseResource
from sre_pipeline.warehouse import schema as tables

COLLECTION = ["sli_events", "capacity_samples"]


def _status(running: bool) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED


def pipeline_jobs() -> list:
    """The collection, status and weekly jobs."""
    return [
        dg.define_asset_job(
            "collection_job",
            selection=dg.AssetSelection.assets("slo_catalog", *COLLECTION),
            description="Refresh the catalog, then collect today's SLI counts and capacity "
            "samples up to now.",
        ),
        dg.define_asset_job(
            "status_job",
            selection=dg.AssetSelection.assets(
                "slo_catalog",
                *COLLECTION,
                "capacity_daily",
                "slo_status",
                "burn_alerts",
                "capacity_status",
            ),
            description="A day's status: refresh the catalog, re-collect the whole day (its last "
            "buckets too), then its status, alert episodes, capacity roll-up and status.",
        ),
        dg.define_asset_job(
            "weekly_job",
            selection=dg.AssetSelection.assets("slo_catalog")
            | dg.AssetSelection.groups("incidents", "models", "review", "tickets"),
            description="A week (partition: its Monday): refresh the catalog, incidents and "
            "action items from the postmortems, the week's incident budget and alert links, "
            "then the weekly marts (SLO summary, action items, incidents, capacity), the "
            "review and its e-mail, and the tickets.",
        ),
    ]


def pipeline_schedules(time_zone: str, running: bool = False) -> list[dg.ScheduleDefinition]:
    """Hourly collection, daily status at 00:30, weekly marts on Monday 09:00 (local time)."""

    @dg.schedule(
        job_name="collection_job",
        cron_schedule="5 * * * *",
        execution_timezone=time_zone,
        default_status=_status(running),
        description="Hourly at :05: collect today's partition up to now, each SLO from where "
        "the run before settled (an hour back; idempotent); the status job collects the "
        "finished day whole.",
    )
    def collection_schedule(context: dg.ScheduleEvaluationContext):
        when = context.scheduled_execution_time
        return dg.RunRequest(run_key=f"collect-{when:%Y%m%d%H}", partition_key=f"{when:%Y-%m-%d}")

    @dg.schedule(
        job_name="status_job",
        cron_schedule="30 0 * * *",
        execution_timezone=time_zone,
        default_status=_status(running),
        description="Daily at 00:30: re-collect the whole of yesterday, then its status and "
        "alert episodes.",
    )
    def status_schedule(context: dg.ScheduleEvaluationContext):
        day = (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()
        return dg.RunRequest(run_key=f"status-{day}", partition_key=day)

    @dg.schedule(
        name="weekly_schedule",
        job_name="weekly_job",
        cron_schedule="0 9 * * 1",
        execution_timezone=time_zone,
        default_status=_status(running),
        description="Monday 09:00: the week that ended (its incidents, budget attribution, "
        "alert links) and the weekly marts.",
    )
    def weekly_schedule(context: dg.ScheduleEvaluationContext):
        monday = context.scheduled_execution_time.date() - timedelta(days=7)
        monday -= timedelta(days=monday.weekday())  # a manual tick on another day: its week
        return dg.RunRequest(run_key=f"weekly-{monday}", partition_key=monday.isoformat())

    return [collection_schedule, status_schedule, weekly_schedule]


def _failure_text(context: dg.RunFailureSensorContext) -> str:
    """The run's failure message and each failed step's own error, which says what broke."""
    parts = [context.failure_event.message or ""]
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None:  # the user code's own error
            error = error.cause
        if error is not None:
            parts.append(f"{event.step_key}: {error.message.strip()}")
    return "\n".join(p for p in parts if p)


def run_failure_sensor(running: bool = False) -> dg.SensorDefinition:
    """A sensor that records every failed run in the warehouse audit table."""

    @dg.run_failure_sensor(
        name="run_failure_sensor",
        description="Records every failed run (job, run id, message) in the warehouse table "
        "outbound_audit and files (or updates) the job's run-failure ticket.",
        default_status=dg.DefaultSensorStatus.RUNNING
        if running
        else dg.DefaultSensorStatus.STOPPED,
    )
    def _sensor(
        context: dg.RunFailureSensorContext,
        warehouse: WarehouseResource,
        tickets: TicketResource,
        settings: PipelineSettings,
    ):
        """Append the failure (job, run id, message) to ``outbound_audit``, then open (or,
        on a repeat, comment weekly on) the job's ``run-failure`` ticket."""
        run = context.dagster_run
        row = {
            "at": pd.Timestamp.now(tz="UTC").to_pydatetime(),
            "kind": "run_failure",
            "action": "record",
            "target": run.job_name,
            "fingerprint": run.run_id,
            "outcome": "failed",
            "detail": _failure_text(context)[:2000],
        }
        with warehouse.engine().begin() as conn:
            conn.execute(tables.outbound_audit.insert(), [row])
        from sre_pipeline.tickets.setup import sync_run_failure
        from sre_pipeline.tickets.trackers.base import TrackerError

        config = SimpleNamespace(
            tickets=tickets.tickets(), emergency_stop_file=settings.emergency_stop_file
        )
        try:
            report = sync_run_failure(
                warehouse.engine(), config, run.job_name, row["detail"], row["at"]
            )
        except TrackerError as exc:
            context.log.error(f"run-failure ticket of {run.job_name} not filed: {exc}")
            return
        for name, why in report.errors.items():
            context.log.error(f"run-failure ticket of {run.job_name} not filed in {name}: {why}")
        if report.halted:
            context.log.warning(f"run-failure ticket of {run.job_name}: {report.halted}")

    return _sensor
