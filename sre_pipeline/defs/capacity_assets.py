"""The capacity status asset: each resource's figures, state, headroom and forecasts per day,
from the stored capacity samples (sre_pipeline.capacity; docs/capacity.md).

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.capacity.status import Plan, daily_figures, status_rows
from sre_pipeline.defs.collection_assets import BACKFILL
from sre_pipeline.defs.metadata import add_day_metadata, md_table, spec_failure, table_metadata
from sre_pipeline.defs.partitions import Partitioning, days_of, utc_window
from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_slice
from sre_pipeline.warehouse.writes import Slice, replace_slice

# the lineage shown in the UI: the default look-back plus the week before it (a resource with
# a longer look-back reads further back; the read below follows its own configuration)
MAPPED_DAYS = 28 + 7
HOT_COLUMNS = ["resource", "state", "peak_utilisation", "headroom", "trend", "scale_on"]
_RANK = {"emergency": 0, "scale": 1, "warn": 2, "ok": 3}


def capacity_day_status(rows: pd.DataFrame, days: Sequence[date]) -> dict[date, dict]:
    """Each day's own figures: resources by state, those over their headroom target, the
    hottest resources."""
    out = {}
    for day in days:
        part = rows[rows["day"] == day]
        states = Counter(s for s in part["state"] if s)
        hot = part.assign(rank=part["state"].map(_RANK).fillna(9)).sort_values(
            ["rank", "peak_utilisation"], ascending=[True, False]
        )
        out[day] = {
            "dagster/row_count": len(part),
            "states": dg.MetadataValue.json({k: states.get(k, 0) for k in _RANK}),
            "without_data": sorted(part.loc[part["state"].isna(), "resource"]),
            "below_headroom_target": sorted(part.loc[part["headroom_ok"] == False, "resource"]),  # noqa: E712
            "hottest": dg.MetadataValue.md(md_table(hot.head(10), HOT_COLUMNS)),
        }
    return out


def _capacity_status(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Per resource and day: current, mean, p95 and peak utilisation, state (ok / warn / scale /
    emergency), headroom against its target, week-over-week growth of the daily peak and, per
    threshold, the forecast crossing date with its band (or why there is none: insufficient
    data, not rising, unreliable, already above since ...). Re-running a day replaces it."""
    try:
        plans = [Plan.of(r) for r in settings.resources()]
    except SpecError as exc:
        raise spec_failure(exc, "the capacity configuration") from None
    days = days_of(context)
    start, end = utc_window(context)
    back = max((p.lookback_days for p in plans), default=28) + 8  # look-back, the week before
    engine = warehouse.engine()
    samples = read_slice(engine, tables.capacity_samples, "ts", start - timedelta(days=back), end)
    rows = pd.DataFrame(
        status_rows(daily_figures(samples, settings.time_zone), plans, days),
        columns=[c.name for c in tables.capacity_status.columns],
    )
    replace_slice(
        engine, tables.capacity_status, rows, Slice("day", days[0], days[-1] + timedelta(1))
    )
    add_day_metadata(context, capacity_day_status(rows, days))
    return dg.MaterializeResult()


def capacity_assets(parts: Partitioning) -> list[dg.AssetsDefinition]:
    """``capacity_status`` on the daily partitions, reading the samples of its look-back."""
    return [
        dg.asset(
            name="capacity_status",
            group_name="capacity",
            kinds={"sql"},
            deps=[
                dg.AssetDep(
                    "capacity_samples",
                    partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-MAPPED_DAYS),
                )
            ],
            partitions_def=parts.daily,
            backfill_policy=BACKFILL,
            code_version="1",
            metadata=table_metadata(tables.capacity_status),
        )(_capacity_status)
    ]
