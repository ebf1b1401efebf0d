"""Data-quality asset checks: Great Expectations suites over what each asset just wrote.

An ERROR outcome (unknown ids, good > total, duplicates, misaligned buckets) fails the check
with ERROR severity, and the checks are blocking: nothing downstream is computed from the bad
partition. Advisory outcomes (coverage, freshness, over-commit) fail with WARN severity and do
not block. GX is imported only when a check runs (it costs seconds at import).

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from datetime import date, timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.defs.capacity_assets import capacity_samples
from sre_pipeline.defs.metadata import problems_md
from sre_pipeline.defs.partitions import daily_partitions
from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
from sre_pipeline.defs.slo_assets import sli_events
from sre_pipeline.slo.daily import day_bounds
from sre_pipeline.slo.problems import SpecError
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_events, read_slice


def _days(context: dg.AssetCheckExecutionContext) -> list[date]:
    op = context.op_execution_context
    if op.has_partition_key_range:
        keys = daily_partitions.get_partition_keys_in_range(op.partition_key_range)
    else:
        keys = [op.partition_key]
    return [date.fromisoformat(k) for k in keys]


def _spec_problems(exc: SpecError) -> dg.AssetCheckResult:
    """The check cannot say the data is fine when what it checks against is unreadable: fail
    (blocking) with the problems, instead of erroring without a result."""
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "failed_expectations": ["configuration readable"],
            "problems": problems_md(exc),
        },
    )


def _result(suite) -> dg.AssetCheckResult:
    """GX outcomes -> one check result; ERROR blocks, WARN informs."""
    failed = suite.errors + suite.warnings
    severity = dg.AssetCheckSeverity.ERROR if suite.errors else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity,
        metadata={
            "rows": suite.rows,
            "failed_expectations": [o.name for o in failed],
            "unexpected": dg.MetadataValue.json({o.name: o.unexpected_count for o in failed}),
            "errors": len(suite.errors),
            "warnings": len(suite.warnings),
            "seconds": round(suite.seconds, 3),
            "report": dg.MetadataValue.md(suite.markdown()),
        },
    )


@dg.asset_check(asset=sli_events, blocking=True, name="check_sli_events")
def check_sli_events(
    context: dg.AssetCheckExecutionContext,
    settings: PipelineSettings,
    warehouse: WarehouseResource,
) -> dg.AssetCheckResult:
    """Events of the partition: known SLO ids, no nulls, counts >= 0, good <= total, aligned
    buckets, no duplicates (blocking errors); coverage per SLO (default >= 95 %) and freshness
    of today's partition (warnings). Thresholds: ``coverage_threshold``/``freshness_minutes``."""
    from sre_pipeline.quality.suites import events_suite

    days = _days(context)
    start = day_bounds(days[0], settings.time_zone)[0]
    end = day_bounds(days[-1], settings.time_zone)[1]
    try:
        catalog = settings.catalog()
    except SpecError as exc:
        return _spec_problems(exc)
    frame = read_events(warehouse.engine(), start, end)
    frame["slo"] = frame["slo"].astype(str)
    suite = events_suite(
        frame, catalog.ids, int(settings.width.total_seconds()), start, end,
        pd.Timestamp.now(tz="UTC"), settings.coverage_threshold,
        timedelta(minutes=settings.freshness_minutes),
    )  # fmt: skip
    return _result(suite)


@dg.asset_check(asset=capacity_samples, blocking=True, name="check_capacity_samples")
def check_capacity_samples(
    context: dg.AssetCheckExecutionContext,
    settings: PipelineSettings,
    warehouse: WarehouseResource,
) -> dg.AssetCheckResult:
    """Capacity samples of the partition: utilisation within [0, 1], known resources, no
    duplicates (blocking); over-commit where a capacity series says so, coverage (warnings)."""
    from sre_pipeline.quality.suites import capacity_suite

    days = _days(context)
    start = day_bounds(days[0], settings.time_zone)[0]
    end = day_bounds(days[-1], settings.time_zone)[1]
    try:
        steps = {r.name: int(r.step.total_seconds()) for r in settings.resources()}
    except SpecError as exc:
        return _spec_problems(exc)
    frame = read_slice(warehouse.engine(), tables.capacity_samples, "ts", start, end)
    suite = capacity_suite(frame, steps, start, end, pd.Timestamp.now(tz="UTC"),
                           settings.coverage_threshold,
                           timedelta(minutes=settings.freshness_minutes))  # fmt: skip
    return _result(suite)


@dg.asset_check(asset="incidents", blocking=True, name="check_incidents")
def check_incidents(
    settings: PipelineSettings, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Incidents: ids present and unique, started_at present, started <= detected <=
    acknowledged <= resolved where present, severity in SEV1..SEV3, every service known to the
    SLO catalog or the capacity resources (all blocking)."""
    from sre_pipeline.quality.report import known_services
    from sre_pipeline.quality.suites import incidents_suite

    try:
        services = known_services(settings.catalog(), settings.resources())
    except SpecError as exc:
        return _spec_problems(exc)
    frame = read_slice(warehouse.engine(), tables.incidents)
    return _result(incidents_suite(frame, services))


@dg.asset_check(asset="action_items", blocking=True, name="check_action_items")
def check_action_items(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Action items: ids present and unique, an owner, a due date that is a real date, a status
    in the allowed set (all blocking)."""
    from sre_pipeline.quality.suites import action_items_suite

    frame = read_slice(warehouse.engine(), tables.action_items)
    return _result(action_items_suite(frame))
