"""The week's tickets as an asset: the ticket step (:mod:`sre_pipeline.tickets.setup`) after
the review, opening, updating and closing tickets by fingerprint in each team's tracker.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from types import SimpleNamespace

import dagster as dg

from sre_pipeline.defs.jobs import pipeline_jobs
from sre_pipeline.defs.partitions import Partitioning, week_of
from sre_pipeline.defs.resources import PipelineSettings, TicketResource, WarehouseResource
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.tickets.sync import SyncReport
from sre_pipeline.tickets.trackers.base import TrackerError
from sre_pipeline.tickets.wanted import NoStatusError


def sync_metadata(report: SyncReport) -> dict:
    """What the UI shows of a week's ticket step."""
    actions = [
        f"{a.action} {a.tracker}#{a.tracker_id or '-'} {a.fingerprint}"
        for a in report.actions
        if a.action != "keep"
    ]
    return {
        **report.summary(),
        "dry_run": report.dry_run,
        "halted": report.halted or "no",
        "actions": dg.MetadataValue.md("\n".join(f"- {a}" for a in actions) or "none"),
        "errors": dg.MetadataValue.json(report.errors),
    }


def failing_jobs(context: dg.AssetExecutionContext) -> list[tuple[str, str]]:
    """``(job, message)`` of each job of the code location whose latest finished run failed
    (from Dagster's run storage): their run-failure tickets stay open, the others close."""
    out = []
    for job in (j.name for j in pipeline_jobs()):
        runs = context.instance.get_runs(
            filters=dg.RunsFilter(
                job_name=job,
                statuses=[dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE],
            ),
            limit=1,
        )
        if runs and runs[0].status == dg.DagsterRunStatus.FAILURE:
            out.append((job, f"run {runs[0].run_id} failed (see it in the Dagster UI)"))
    return out


def _reliability_tickets(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    tickets: TicketResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """The week's tickets: what should be open at the week's end opened once (the tracker's
    own open tickets checked first), lasting ones commented once a week, cleared ones closed.
    Every action is in ``outbound_audit``; a tracker that fails fails the run after the others
    were synced. Halted by the emergency stop (the metadata says so)."""
    from sre_pipeline.tickets.setup import sync_week

    week = week_of(context)
    config = SimpleNamespace(
        tickets=tickets.tickets(),
        time_zone=settings.time_zone,
        emergency_stop_file=settings.emergency_stop_file,
    )
    try:
        report = sync_week(warehouse.engine(), config, week, failures=failing_jobs(context))
    except (TrackerError, NoStatusError) as exc:
        raise dg.Failure(description=f"{week_label(week)}: {exc}", allow_retries=False) from None
    metadata = sync_metadata(report)
    if report.halted:
        context.log.warning(f"tickets not synced: {report.halted}")
    if report.errors:
        first = next(iter(report.errors.items()))
        raise dg.Failure(
            description=f"{len(report.errors)} tracker(s) failed, e.g. {first[0]}: {first[1]}; "
            "re-run the step to retry (what was done is recorded and not repeated)",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)


def ticket_assets(parts: Partitioning) -> list[dg.AssetsDefinition]:
    """``reliability_tickets``, after the week's review."""
    return [
        dg.asset(
            name="reliability_tickets",
            partitions_def=parts.weekly,
            group_name="tickets",
            kinds={"tickets"},
            deps=["weekly_review"],
            metadata={"dagster/table_name": "warehouse.tickets"},
        )(_reliability_tickets)
    ]
