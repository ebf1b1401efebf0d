"""The capacity assets: each resource's figures of the day rolled up from its samples
(``capacity_daily``), then its state, headroom and forecasts per day (``capacity_status``),
computed by sre_pipeline.capacity (docs/capacity.md).

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from sre_pipeline.capacity.status import (
    DAILY_COLUMNS,
    WORST_FIRST,
    Plan,
    daily_figures,
    status_frame,
    worst_first,
)
from sre_pipeline.defs.collection_assets import BACKFILL
from sre_pipeline.defs.metadata import add_day_metadata, md_table, spec_failure, table_metadata
from sre_pipeline.defs.partitions import Partitioning, days_of
from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.budget.daily import day_bounds
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_columns
from sre_pipeline.warehouse.writes import Slice, replace_slice

# the lineage shown in the UI: the default look-back plus the week before it (a resource with
# a longer look-back reads further back; the read below follows its own configuration)
MAPPED_DAYS = 28 + 7
# a run of days above a threshold longer than the look-back is followed back this far
SINCE_DAYS = 366
HOT_COLUMNS = ["resource", "state", "peak_utilisation", "headroom", "trend", "scale_on"]


def capacity_day_status(rows: pd.DataFrame, days: Sequence[date]) -> dict[date, dict]:
    """Each day's own figures: resources by state, those over their headroom target, the
    hottest resources."""
    out = {}
    for day in days:
        part = rows[rows["day"] == day]
        states = Counter(s for s in part["state"] if s)
        hot = worst_first(part)
        out[day] = {
            "dagster/row_count": len(part),
            "states": dg.MetadataValue.json({k: states.get(k, 0) for k in WORST_FIRST}),
            "without_data": sorted(part.loc[part["state"].isna(), "resource"]),
            "below_headroom_target": sorted(part.loc[part["headroom_ok"] == False, "resource"]),  # noqa: E712
            "hottest": dg.MetadataValue.md(md_table(hot.head(10), HOT_COLUMNS)),
        }
    return out


def _capacity_daily(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Each resource's figures of each local day, from its stored samples: the last sample
    (current), mean, p95 and peak utilisation, and the number of samples. Read a day at a
    time (a day of 5,000 resources at a 5-minute step is 1.4 million samples); written in one
    transaction, so re-running a day replaces it whole."""
    days = days_of(context)
    engine = warehouse.engine()
    parts = []
    for day in days:
        start, end = day_bounds(day, settings.time_zone)
        samples = read_columns(
            engine, tables.capacity_samples, ["resource", "ts", "utilisation"], "ts", start, end
        )
        parts.append(daily_figures(samples, settings.time_zone))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DAILY_COLUMNS)
    replace_slice(
        engine, tables.capacity_daily, rows, Slice("day", days[0], days[-1] + timedelta(1))
    )
    add_day_metadata(
        context,
        {
            day: {
                "dagster/row_count": int((rows["day"] == day).sum()),
                "samples": int(rows.loc[rows["day"] == day, "samples"].sum()),
            }
            for day in days
        },
    )
    return dg.MaterializeResult()


def _capacity_status(
    context: dg.AssetExecutionContext, settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Per resource and day: current, mean, p95 and peak utilisation, state (ok / warn / scale /
    emergency), headroom against its target, week-over-week growth of the daily peak and, per
    threshold, the forecast crossing date with its band (or why there is none: insufficient
    data, not rising, unreliable, already above since ...). Reads the daily roll-ups of the
    look-back and the week before it; re-running a day replaces it."""
    try:
        plans = [Plan.of(r) for r in settings.resources()]
    except SpecError as exc:
        raise spec_failure(exc, "the capacity configuration") from None
    days = days_of(context)
    back = max((p.lookback_days for p in plans), default=28) + 7  # look-back, the week before
    engine = warehouse.engine()
    first = days[0] - timedelta(days=back)
    daily = _roll_ups(engine, first, days[-1] + timedelta(1))
    _fail_on_missing_roll_ups(engine, daily, first, days[-1], settings.time_zone)
    rows = status_frame(daily, plans, days)
    rows = _with_long_runs(engine, daily, plans, days, rows)
    replace_slice(
        engine, tables.capacity_status, rows, Slice("day", days[0], days[-1] + timedelta(1))
    )
    add_day_metadata(context, capacity_day_status(rows, days))
    return dg.MaterializeResult()


def _fail_on_missing_roll_ups(engine, daily: pd.DataFrame, first: date, last: date, tz: str):
    """Fail when a day of the window has samples but no roll-up (samples stored before
    ``capacity_daily`` existed, or a roll-up never run): computing on would state trends and
    runs from a hole as if the days had no data."""
    have = set(daily["day"])
    missing = []
    with engine.connect() as conn:
        for k in range((last - first).days + 1):
            day = first + timedelta(days=k)
            if day in have:
                continue
            start, end = day_bounds(day, tz)
            column = tables.capacity_samples.c.ts
            query = sa.select(column).where(column >= start, column < end).limit(1)
            if conn.execute(query).first() is not None:
                missing.append(day)
    if missing:
        span = f"{missing[0]}..{missing[-1]}" if len(missing) > 1 else str(missing[0])
        raise dg.Failure(
            description=f"capacity_daily has no roll-up for {len(missing)} day(s) with stored "
            f"samples ({span}): materialise capacity_daily for them first, e.g. "
            f"sre-pipeline backfill --assets capacity_daily --start {missing[0]} "
            f"--end {missing[-1] + timedelta(1)} --force"
        )


def _roll_ups(engine, start: date, end: date) -> pd.DataFrame:
    """The stored daily roll-ups of the days in ``[start, end)``."""
    return read_columns(engine, tables.capacity_daily, DAILY_COLUMNS, "day", start, end)


def _with_long_runs(engine, daily, plans, days, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the "since" of runs above a threshold that reach back to the first day
    read followed further back (up to :data:`SINCE_DAYS`), for those resources only."""
    if daily.empty:
        return rows
    first = min(daily["day"])
    since = rows[[f"{level}_since" for level in tables.CAPACITY_LEVELS]]
    long = sorted(set(rows.loc[(since == first).any(axis=1), "resource"]))
    if not long:
        return rows
    earlier = _roll_ups(engine, days[-1] - timedelta(days=SINCE_DAYS), first)
    earlier = earlier[earlier["resource"].isin(set(long))]
    chosen = [p for p in plans if p.name in set(long)]
    parts = [f for f in (earlier, daily[daily["resource"].isin(long)]) if len(f)]
    redone = status_frame(pd.concat(parts, ignore_index=True), chosen, days)
    keep = rows[~rows["resource"].isin(long)]
    return pd.concat([keep, redone], ignore_index=True)


def capacity_assets(parts: Partitioning) -> list[dg.AssetsDefinition]:
    """``capacity_daily`` and ``capacity_status`` on the daily partitions; the status reads the
    roll-ups of its look-back."""
    daily = dg.asset(
        name="capacity_daily",
        group_name="capacity",
        kinds={"sql"},
        deps=[dg.AssetDep("capacity_samples")],
        partitions_def=parts.daily,
        backfill_policy=BACKFILL,
        code_version="1",
        metadata=table_metadata(tables.capacity_daily),
    )(_capacity_daily)
    return [
        daily,
        dg.asset(
            name="capacity_status",
            group_name="capacity",
            kinds={"sql"},
            deps=[
                dg.AssetDep(
                    "capacity_daily",
                    partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-MAPPED_DAYS),
                )
            ],
            partitions_def=parts.daily,
            backfill_policy=BACKFILL,
            code_version="2",  # 2: reads the daily roll-ups
            metadata=table_metadata(tables.capacity_status),
        )(_capacity_status),
    ]
