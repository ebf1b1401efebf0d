"""Capacity samples per resource and day.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

import dagster as dg
import pandas as pd

from sre_pipeline.defs.partitions import daily_partitions, days_of
from sre_pipeline.defs.resources import PipelineSettings, SLISource, WarehouseResource
from sre_pipeline.defs.slo_assets import BACKFILL, RETRY
from sre_pipeline.slo.daily import day_bounds
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.writes import Slice, replace_slice


@dg.asset(
    group_name="capacity",
    kinds={"prometheus", "sql"},
    partitions_def=daily_partitions,
    backfill_policy=BACKFILL,
    retry_policy=RETRY,
)
def capacity_samples(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    source: SLISource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Utilisation (0..1) and capacity of every configured resource at its step, per day."""
    days = days_of(context)
    start = day_bounds(days[0], settings.time_zone)[0]
    end = day_bounds(days[-1], settings.time_zone)[1]
    resources = settings.resources()
    now = pd.Timestamp.now(tz="UTC").floor("1min")
    samples = source.capacity(resources, start, min(end, max(now, start)))
    samples = samples[(samples["ts"] >= start) & (samples["ts"] < end)]
    written = replace_slice(warehouse.engine(), tables.capacity_samples, samples,
                            Slice("ts", start, end))  # fmt: skip
    peaks = samples.groupby("resource")["utilisation"].max() if len(samples) else pd.Series()
    return dg.MaterializeResult(
        metadata={
            "rows": written.inserted,
            "resources": len(resources),
            "resources_with_data": int(samples["resource"].nunique()) if len(samples) else 0,
            "peak_utilisation": dg.MetadataValue.json({k: round(v, 4) for k, v in peaks.items()}),
            "over_80_percent": sorted(k for k, v in peaks.items() if v >= 0.8),
        }
    )
