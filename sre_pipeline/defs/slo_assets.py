"""SLO assets: catalog, bucket counts, daily status and burn-alert episodes.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from datetime import timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.defs.metadata import md_table, spec_failure
from sre_pipeline.defs.partitions import LOOKBACK_DAYS, daily_partitions, days_of
from sre_pipeline.defs.resources import PipelineSettings, SLISource, WarehouseResource
from sre_pipeline.slo.daily import daily_episodes, daily_status, day_bounds
from sre_pipeline.slo.problems import SpecError
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_events
from sre_pipeline.warehouse.writes import Slice, replace_slice

# Back-fills run up to two weeks of days per run: one query plan per range, bounded memory.
BACKFILL = dg.BackfillPolicy.multi_run(max_partitions_per_run=14)
RETRY = dg.RetryPolicy(
    max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def _catalog(settings: PipelineSettings):
    try:
        return settings.catalog()
    except SpecError as exc:
        raise spec_failure(exc, "SLO specs") from None


@dg.asset(group_name="slo", kinds={"yaml", "sql"})
def slo_catalog(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """The SLO catalog (native, OpenSLO v1 and Sloth specs) validated and stored in the
    warehouse table ``slo_catalog``; a spec error fails with every problem listed."""
    catalog = _catalog(settings)
    for warning in catalog.warnings:
        context.log.warning(str(warning))
    rows = pd.DataFrame(
        [
            {
                "slo": s.id, "service": s.service, "name": s.name, "description": s.description,
                "owner": s.owner, "team": s.team, "objective": s.objective,
                "period": s.period.label, "sli_kind": s.sli.kind, "budgeting": s.budgeting.method,
                "window_set": s.window_set, "aspirational": s.aspirational, "labels": s.labels,
                "source_format": s.source.format, "source_file": s.source.file,
            }
            for s in catalog.slos
        ]
    )  # fmt: skip
    replace_slice(warehouse.engine(), tables.slo_catalog, rows, Slice())
    return dg.MaterializeResult(
        metadata={
            "slo_count": len(rows),
            "services": rows["service"].nunique(),
            "by_format": dg.MetadataValue.json(rows["source_format"].value_counts().to_dict()),
            "warnings": len(catalog.warnings),
            "catalog": dg.MetadataValue.md(
                md_table(rows, ["slo", "objective", "period", "sli_kind", "source_format"])
            ),
        }
    )


def _window(context, settings: PipelineSettings) -> tuple[list, pd.Timestamp, pd.Timestamp]:
    days = days_of(context)
    return (
        days,
        day_bounds(days[0], settings.time_zone)[0],
        day_bounds(days[-1], settings.time_zone)[1],
    )


@dg.asset(
    group_name="slo",
    kinds={"prometheus", "sql"},
    partitions_def=daily_partitions,
    backfill_policy=BACKFILL,
    retry_policy=RETRY,
    deps=[slo_catalog],
)
def sli_events(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    source: SLISource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Good and total event counts per SLO and 5-minute bucket for each day, collected from the
    SLI source (Prometheus or the demo); re-running a day replaces exactly that day."""
    catalog = _catalog(settings)
    days, start, end = _window(context, settings)
    now = pd.Timestamp.now(tz="UTC").floor(settings.width)
    result = source.events(catalog.slos, start, min(end, max(now, start)), settings.width)
    frame = result.events
    frame = frame[(frame["bucket_start"] >= start) & (frame["bucket_start"] < end)]
    written = replace_slice(
        warehouse.engine(), tables.sli_events, frame, Slice("bucket_start", start, end)
    )
    expected = len(catalog.slos) * max(1, int((min(end, now) - start) / settings.width))
    failures = [f"{f.slo} ({f.role}): {f.error}" for f in result.failures]
    for failure in failures:
        context.log.warning(f"collection failed: {failure}")
    return dg.MaterializeResult(
        metadata={
            "days": len(days),
            "rows": written.inserted,
            "replaced_rows": written.deleted,
            "slos_with_data": int(frame["slo"].nunique()) if len(frame) else 0,
            "coverage": round(written.inserted / expected, 4) if expected else 0.0,
            "partial": bool(failures),
            "failures": dg.MetadataValue.md("\n".join(f"- {f}" for f in failures) or "none"),
            "queries": result.queries,
        }
    )


@dg.asset(
    group_name="slo",
    kinds={"sql"},
    partitions_def=daily_partitions,
    backfill_policy=BACKFILL,
    ins={
        "sli_events": dg.AssetIn(
            partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-LOOKBACK_DAYS),
            dagster_type=dg.Nothing,
        )
    },
)
def slo_status(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Every SLO's attainment, budget remaining, burn rates, time to exhaustion, policy tier,
    coverage and firing alerts as of the end of each day, from the events of the SLO period
    before it (the partition mapping reaches back over the longest period)."""
    catalog = _catalog(settings)
    days, start, end = _window(context, settings)
    engine = warehouse.engine()
    events = read_events(engine, start - timedelta(days=LOOKBACK_DAYS), end, catalog.ids)
    status = daily_status(events, catalog.slos, days, settings.time_zone, settings.width)
    written = replace_slice(
        engine, tables.slo_status, status, Slice("day", days[0], days[-1] + timedelta(days=1))
    )
    last = status[status["day"] == days[-1]].sort_values("budget_remaining").head(10)
    at_risk = status[(status["day"] == days[-1]) & status["policy_tier"].isin(
        ["exhausted", "incident_mode", "feature_freeze"])]  # fmt: skip
    return dg.MaterializeResult(
        metadata={
            "rows": written.inserted,
            "slos": len(catalog.slos),
            "at_risk": len(at_risk),
            "escalations": dg.MetadataValue.json(
                status[status["day"] == days[-1]]["escalation"].value_counts().to_dict()
            ),
            "worst_budgets": dg.MetadataValue.md(
                md_table(last, ["slo", "budget_remaining", "attainment", "policy_tier", "coverage"])
            ),
        }
    )


@dg.asset(
    group_name="slo",
    kinds={"sql"},
    partitions_def=daily_partitions,
    backfill_policy=BACKFILL,
    ins={
        "sli_events": dg.AssetIn(
            partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-3, end_offset=3),
            dagster_type=dg.Nothing,
        )
    },
)
def burn_alerts(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Multiwindow burn-rate alert episodes (start, end, severity, window pair, peak burn rate)
    that start on each day, followed to their end."""
    catalog = _catalog(settings)
    days, start, end = _window(context, settings)
    engine = warehouse.engine()
    events = read_events(engine, start - timedelta(days=4), end + timedelta(days=3), catalog.ids)
    data_end = pd.Timestamp.now(tz="UTC").floor(settings.width)
    if len(events):
        data_end = min(data_end, events["bucket_start"].max() + settings.width)
    episodes = daily_episodes(
        events, catalog.slos, days, settings.time_zone, settings.width, data_end
    )
    written = replace_slice(
        engine, tables.burn_alert_episodes, episodes, Slice("start", start, end)
    )
    counts = episodes["severity"].value_counts().to_dict() if len(episodes) else {}
    return dg.MaterializeResult(
        metadata={
            "episodes": written.inserted,
            "page": counts.get("page", 0),
            "ticket": counts.get("ticket", 0),
            "still_firing": int(episodes["end"].isna().sum()) if len(episodes) else 0,
        }
    )
