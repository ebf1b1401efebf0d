"""Status assets: every SLO's budget, burn and tier at the end of each day, and the burn-rate
alert episodes that start each day. Each day of a multi-day run carries its own figures.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from collections.abc import Sequence
from datetime import date, timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.defs import handoff
from sre_pipeline.defs.collection_assets import BACKFILL, COLLECTED, catalog_or_fail
from sre_pipeline.defs.metadata import add_day_metadata, md_table, table_metadata
from sre_pipeline.defs.partitions import Partitioning, days_of, lookback_days, utc_window
from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.slo.budget.daily import day_bounds
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.episodes_run import run_episodes
from sre_pipeline.warehouse.status_run import Known, run_status

AT_RISK_TIERS = ("exhausted", "incident_mode", "feature_freeze")
WORST_COLUMNS = ["slo", "budget_remaining", "attainment", "policy_tier", "coverage"]
DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=26), warn_window=timedelta(hours=25)
)


def status_day_metadata(
    status: pd.DataFrame, events: pd.DataFrame, days: Sequence[date], tz: str
) -> dict[date, dict]:
    """Each day's own figures: worst budgets, SLOs at risk, escalations, SLOs without data; a
    day without a single event says "no data"."""
    out = {}
    for day in days:
        rows = status[status["day"] == day]
        start, end = day_bounds(day, tz)
        in_day = events[(events["bucket_start"] >= start) & (events["bucket_start"] < end)]
        undefined = rows[rows["budget_remaining"].isna()]
        at_risk = rows[rows["policy_tier"].isin(AT_RISK_TIERS)]
        worst = rows.sort_values("budget_remaining", na_position="last").head(10)
        escalations = rows["escalation"].dropna().value_counts().to_dict()
        out[day] = {
            "dagster/row_count": len(rows),
            "data": "no data" if in_day.empty else "events present",
            "slos": len(rows),
            "at_risk": len(at_risk),
            "at_risk_slos": sorted(at_risk["slo"]),
            "escalations": dg.MetadataValue.json({str(k): int(v) for k, v in escalations.items()}),
            "slos_without_data": sorted(undefined["slo"]),
            "worst_budgets": dg.MetadataValue.md(md_table(worst, WORST_COLUMNS)),
        }
    return out


def _slo_status(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Every SLO's attainment, budget remaining, burn rates, time to exhaustion, policy tier,
    coverage and firing alerts as of the end of each day, from the events of the SLO period
    before it (the partition mapping reaches back over the longest period). A day whose SLOs
    have no data says "no data" (never NaN) and fails the status check."""
    catalog = catalog_or_fail(warehouse)
    days = days_of(context)
    back = lookback_days(catalog.slos)
    tz = settings.time_zone
    collected = handoff.shared(context.run.run_id, COLLECTED)  # this run's collection
    known = None if collected is None else Known(*collected)
    run = run_status(warehouse.engine(), catalog.slos, days, tz, settings.width, back, known)
    start, end = utc_window(context)
    stamps = run.events["bucket_start"]
    # the step's days of events of every SLO of the catalog, as read: its check's input
    handoff.give(
        context.run.run_id, "slo_status", run.events[(stamps >= start) & (stamps < end)], start, end
    )
    add_day_metadata(context, status_day_metadata(run.status, run.events, days, tz))
    return dg.MaterializeResult(
        metadata={
            "slos_from_rollups": len(run.from_rollups),
            "slos_from_buckets": len(run.from_buckets),
            "rollups_stored": run.rollups_stored,
            "event_rows_read": run.rows_read,
            "event_rows_in_hand": len(run.events) - run.rows_read,
        }
    )


def episodes_day_metadata(episodes: pd.DataFrame, days: Sequence[date], tz: str) -> dict:
    """Each day's own episodes: how many started, by severity, and how many still fire."""
    out = {}
    for day in days:
        start, end = day_bounds(day, tz)
        part = (
            episodes[(episodes["start"] >= start) & (episodes["start"] < end)]
            if len(episodes)
            else episodes
        )
        counts = part["severity"].value_counts().to_dict() if len(part) else {}
        out[day] = {
            "dagster/row_count": len(part),
            "page": int(counts.get("page", 0)),
            "ticket": int(counts.get("ticket", 0)),
            "still_firing": int(part["end"].isna().sum()) if len(part) else 0,
        }
    return out


def _burn_alerts(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Multiwindow burn-rate alert episodes (start, end, severity, window pair, peak burn rate)
    that start on each day, followed to their end; the days between the alert windows' ends
    come from the daily roll-ups, not their buckets."""
    catalog = catalog_or_fail(warehouse)
    days = days_of(context)
    run = run_episodes(
        warehouse.engine(), catalog.slos, days, settings.time_zone, settings.width, settings.now()
    )
    add_day_metadata(context, episodes_day_metadata(run.episodes, days, settings.time_zone))
    return dg.MaterializeResult(
        metadata={
            "event_rows_read": run.rows_read,
            "slos_with_days_from_rollups": len(run.plan.rolled) if run.plan.holes else 0,
        }
    )


def status_assets(
    parts: Partitioning, owners: Sequence[str], tags: dict
) -> list[dg.AssetsDefinition]:
    """``slo_status`` (reading back over the longest SLO period) and ``burn_alerts``."""
    common = dict(
        partitions_def=parts.daily,
        backfill_policy=BACKFILL,
        group_name="slo",
        kinds={"sql"},
        owners=list(owners),
        tags=tags,
    )
    status = dg.asset(
        name="slo_status",
        deps=[
            dg.AssetDep("slo_catalog"),
            dg.AssetDep(
                "sli_events",
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-parts.lookback_days),
            ),
        ],
        code_version="2",  # 2: per-day metadata, "no data" instead of NaN
        metadata=table_metadata(tables.slo_status),
        freshness_policy=DAILY_FRESHNESS,
        **common,
    )(_slo_status)
    alerts = dg.asset(
        name="burn_alerts",
        deps=[
            dg.AssetDep("slo_catalog"),
            dg.AssetDep(
                "sli_events",
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-3, end_offset=3),
            ),
        ],
        code_version="2",
        metadata=table_metadata(tables.burn_alert_episodes),
        **common,
    )(_burn_alerts)
    return [status, alerts]
