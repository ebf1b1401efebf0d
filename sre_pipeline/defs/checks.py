"""Data-quality asset checks: Great Expectations suites over what each asset just wrote.

An ERROR outcome (unknown ids, good > total, duplicates, misaligned buckets, a status day
without data) fails the check with ERROR severity, and the checks are blocking: nothing
downstream is computed from the bad partition. Advisory outcomes (coverage, freshness,
over-commit, an incomplete status day) fail with WARN severity and do not block. GX is
imported only when a check runs (it costs seconds at import).

The daily checks are partitioned like their assets and record one evaluation per day, also in
a multi-day run: each day's check outcome is that day's own (Dagster attributes a returned
result of a range step to no partition, so the evaluations are yielded per day instead).

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import dagster as dg
import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from sre_pipeline.defs import handoff
from sre_pipeline.defs.metadata import problems_md
from sre_pipeline.defs.partitions import Partitioning
from sre_pipeline.defs.resources import PipelineSettings, QualityResource, WarehouseResource
from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.budget.daily import day_bounds
from sre_pipeline.slo.spec.loader import Catalog
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import (
    read_events,
    read_slice,
    stored_catalog,
    stored_catalog_ids,
)

# (days, window start, window end, validate rows) -> SuiteResult
DaySuite = Callable[[list[date], pd.Timestamp, pd.Timestamp, bool], object]


def _spec_problems(exc: SpecError) -> dict:
    """What a check reports when what it checks against is unreadable: a blocking failure
    with the problems, instead of erroring without a result."""
    return {
        "passed": False,
        "severity": dg.AssetCheckSeverity.ERROR,
        "metadata": {
            "failed_expectations": ["configuration readable"],
            "problems": problems_md(exc),
        },
    }


def _result(suite) -> dict:
    """GX outcomes -> one check outcome; ERROR blocks, WARN informs."""
    failed = suite.errors + suite.warnings
    severity = dg.AssetCheckSeverity.ERROR if suite.errors else dg.AssetCheckSeverity.WARN
    return {
        "passed": not failed,
        "severity": severity,
        "metadata": {
            "rows": suite.rows,
            "failed_expectations": [o.name for o in failed],
            "unexpected": dg.MetadataValue.json({o.name: o.unexpected_count for o in failed}),
            "errors": len(suite.errors),
            "warnings": len(suite.warnings),
            "seconds": round(suite.seconds, 3),
            "report": dg.MetadataValue.md(suite.markdown()),
        },
    }


def result_of(evaluation: dict) -> dg.AssetCheckResult:
    """An unpartitioned check's outcome as the result Dagster expects."""
    return dg.AssetCheckResult(**evaluation)


def per_day(
    context: dg.AssetCheckExecutionContext,
    asset: str,
    name: str,
    tz: str,
    suite_of_days: DaySuite,
    unreadable: SpecError | None = None,
) -> Iterator:
    """One evaluation per day of the step, then the check's (empty) output.

    The row expectations run once over all the step's days; only when one fails are they
    run again day by day, to say which day (a 14-day back-fill chunk costs one validation, not
    fourteen). Coverage and freshness are always judged per day."""
    keys = context.op_execution_context.partition_keys
    days = [date.fromisoformat(k) for k in keys]
    rows_ok = False
    if unreadable is None and len(days) > 1:
        whole = suite_of_days(days, day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1], True)
        rows_ok = not any(o.expectation != "custom" for o in whole.errors + whole.warnings)
    for key, day in zip(keys, days, strict=True):
        start, end = day_bounds(day, tz)
        if unreadable is not None:
            outcome = _spec_problems(unreadable)
        else:
            outcome = _result(suite_of_days([day], start, end, not rows_ok))
        yield dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(asset), check_name=name, partition=key, blocking=True, **outcome
        )
    yield dg.Output(None, output_name="result")


def _step_window(context, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    keys = context.op_execution_context.partition_keys
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    return day_bounds(first, tz)[0], day_bounds(last, tz)[1]


NOT_MATERIALISED = SpecError(
    [
        Problem(
            "slo_catalog",
            None,
            "(table)",
            "the SLO catalog is not materialised in the warehouse",
            "slo_catalog materialised first (every job of the code location starts with it)",
        )
    ]
)


def _known_slos(warehouse: WarehouseResource) -> tuple[list[str], SpecError | None]:
    """The materialised catalog's SLO ids, or the problem that there is none."""
    ids = stored_catalog_ids(warehouse.engine())  # the ids only: no spec parsed
    return ([], NOT_MATERIALISED) if ids is None else (ids, None)


def _step_events(
    context, asset: str, warehouse: WarehouseResource, start, end, slos=None
) -> pd.DataFrame:
    """The events of ``[start, end)`` (of ``slos`` only, given them): as the asset's step
    handed them over in this run (:mod:`.handoff`), the rest read from the warehouse."""
    handed = handoff.take(context.run.run_id, asset, start, end)
    return _with_rest(handed, warehouse, start, end, slos)


def _with_rest(handed, warehouse: WarehouseResource, start, end, slos=None) -> pd.DataFrame:
    """The handed ``(frame, until)`` and what the warehouse holds after ``until``, or (with
    nothing handed) the events of ``[start, end)`` read from the warehouse."""
    if handed is None:
        frame = read_events(warehouse.engine(), start, end, slos)
    else:
        frame, until = handed
        if until < end:  # a day collected up to now: whatever is stored after it, too
            rest = read_events(warehouse.engine(), until, end, slos)
            if len(rest):
                parts = [f.astype({"slo": object}) for f in (frame, rest)]
                frame = pd.concat(parts, ignore_index=True)
        if slos is not None:
            frame = frame[frame["slo"].isin(set(slos))]
    frame = frame.reset_index(drop=True)
    # ids as a categorical: GX's null and set checks on 2 million object strings cost seconds
    frame["slo"] = frame["slo"].astype("category")
    return frame


def _judging(settings: PipelineSettings) -> dict:
    """What coverage and freshness are judged against (the suites' keyword arguments)."""
    return {
        "now": settings.now(),
        "coverage_threshold": settings.coverage_threshold,
        "freshness": timedelta(minutes=settings.freshness_minutes),
    }


def _in(frame: pd.DataFrame, column: str, start, end) -> pd.DataFrame:
    return frame[(frame[column] >= start) & (frame[column] < end)]


def _check_sli_events(
    context: dg.AssetCheckExecutionContext,
    settings: PipelineSettings,
    warehouse: WarehouseResource,
    quality: QualityResource,  # where GX runs (its worker starts with the run)
):
    """Events of each day: known SLO ids, no nulls, counts >= 0, good <= total, aligned
    buckets, no duplicates (blocking errors); coverage per SLO (default >= 95 %) and freshness
    of today's partition (warnings). Thresholds: ``coverage_threshold``/``freshness_minutes``."""
    from sre_pipeline.quality.report import (
        QualityInputs,
        events_day,
        keep_events_day,
        trusted_before,
    )
    from sre_pipeline.quality.suites import events_suite

    tz, (ids, unreadable) = settings.time_zone, _known_slos(warehouse)
    start, end = _step_window(context, tz)
    bucket_s, judging = int(settings.width.total_seconds()), _judging(settings)
    inputs = QualityInputs(
        ids, (), {}, bucket_s, tz, judging["coverage_threshold"], judging["freshness"]
    )
    frame, settled, before = None, None, None
    if unreadable is None:
        handed = handoff.take_settled(context.run.run_id, "sli_events", start, end)
        settled = None if handed is None else handed[2]
        if settled is not None and settled.resumed:
            day = date.fromisoformat(context.op_execution_context.partition_keys[0])
            now, since = judging["now"], settled.since
            if trusted_before(warehouse.engine(), inputs, day, now, since, settled.before):
                before = settled.rows_before  # validated by the kept check: only the new rows
                frame = _with_rest(handed[:2], warehouse, start, end)
            else:  # the earlier rows were not passed as they are now: the whole day
                context.log.info("the rows before the resume points are validated again")
                frame = _with_rest(None, warehouse, start, end)
        else:
            frame = _with_rest(None if handed is None else handed[:2], warehouse, start, end)

    def suite(days, day_start, day_end, rows):
        part = _in(frame, "bucket_start", day_start, day_end)
        if len(days) > 1:  # the step's rows at once; each day is judged (and kept) below
            return events_suite(
                part, ids, bucket_s, day_start, day_end, validate_rows=rows, **judging
            )
        result, partial = events_day(part, inputs, days[0], judging["now"], rows, before)
        # kept for the weekly data-quality section, which then need not validate it again,
        # and with the settled state it saw, for the next hourly check of a day in progress
        try:
            keep_events_day(
                warehouse.engine(),
                inputs,
                days[0],
                judging["now"],
                result,
                partial,
                settled=None if settled is None else settled.after,
            )
        except SQLAlchemyError as exc:  # a cache: the check's own outcome stands
            context.log.warning(f"check result of {days[0]} not kept: {exc}")
        return result

    yield from per_day(context, "sli_events", "check_sli_events", tz, suite, unreadable)


def _check_capacity_samples(
    context: dg.AssetCheckExecutionContext,
    settings: PipelineSettings,
    warehouse: WarehouseResource,
    quality: QualityResource,  # where GX runs (its worker starts with the run)
):
    """Capacity samples of each day: utilisation within [0, 1], known resources, no
    duplicates (blocking); over-commit where a capacity series says so, coverage (warnings)."""
    from sre_pipeline.quality.suites import capacity_suite

    tz, unreadable, steps = settings.time_zone, None, {}
    try:
        steps = {r.name: int(r.step.total_seconds()) for r in settings.resources()}
    except SpecError as exc:
        unreadable = exc
    start, end = _step_window(context, tz)
    frame = read_slice(warehouse.engine(), tables.capacity_samples, "ts", start, end)
    judging = _judging(settings)

    def suite(days, day_start, day_end, rows):
        part = _in(frame, "ts", day_start, day_end)
        return capacity_suite(part, steps, day_start, day_end, validate_rows=rows, **judging)

    yield from per_day(context, "capacity_samples", "check_capacity_samples", tz, suite, unreadable)


def _check_capacity_status(
    context: dg.AssetCheckExecutionContext,
    settings: PipelineSettings,
    warehouse: WarehouseResource,
    quality: QualityResource,  # where GX runs (its worker starts with the run)
):
    """Capacity status of each day (all blocking): known resources, one row each, the state
    the peak and thresholds give, figures present on days with a state, every forecast dated
    and after the status day."""
    from sre_pipeline.quality.suites import capacity_status_suite

    tz, unreadable, levels = settings.time_zone, None, {}
    try:
        levels = {r.name: r.thresholds for r in settings.resources()}
    except SpecError as exc:
        unreadable = exc
    keys = context.op_execution_context.partition_keys
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    frame = read_slice(
        warehouse.engine(), tables.capacity_status, "day", first, last + timedelta(1)
    )

    def suite(days, day_start, day_end, rows):
        part = frame[frame["day"].isin(days)]
        return capacity_status_suite(part, levels, validate_rows=rows)

    yield from per_day(context, "capacity_status", "check_capacity_status", tz, suite, unreadable)


def _check_slo_status(
    context: dg.AssetCheckExecutionContext,
    settings: PipelineSettings,
    warehouse: WarehouseResource,
    quality: QualityResource,  # where GX runs (its worker starts with the run)
):
    """The status of each day rests on data of that day: a day without a single event of the
    catalog's SLOs fails (blocking: a status computed from nothing is no status); per-SLO
    coverage of the status day below ``coverage_threshold`` and a day whose last buckets were
    never collected (an incomplete day) warn."""
    from sre_pipeline.quality.suites import status_suite

    tz, (ids, unreadable) = settings.time_zone, _known_slos(warehouse)
    start, end = _step_window(context, tz)
    # the catalog's SLOs' events: what the status was computed from
    events = None if unreadable else _step_events(context, "slo_status", warehouse, start, end, ids)
    keys = context.op_execution_context.partition_keys
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    status = read_slice(warehouse.engine(), tables.slo_status, "day", first, last + timedelta(1))
    bucket_s, judging = int(settings.width.total_seconds()), _judging(settings)

    def suite(days, day_start, day_end, rows):
        rows_of_days = status[status["day"].isin(days)]
        part = _in(events, "bucket_start", day_start, day_end)
        return status_suite(
            rows_of_days, part, ids, bucket_s, day_start, day_end, validate_rows=rows, **judging
        )

    yield from per_day(context, "slo_status", "check_slo_status", tz, suite, unreadable)


def daily_checks(parts: Partitioning) -> list[dg.AssetChecksDefinition]:
    """The partitioned, blocking checks of the daily assets."""
    out = []
    for asset, fn in (
        ("sli_events", _check_sli_events),
        ("capacity_samples", _check_capacity_samples),
        ("slo_status", _check_slo_status),
        ("capacity_status", _check_capacity_status),
    ):
        out.append(
            dg.asset_check(
                asset=asset, name=f"check_{asset}", blocking=True, partitions_def=parts.daily
            )(fn)
        )
    return out


# it reads the stored catalog's services: after slo_catalog when both run
@dg.asset_check(
    asset="incidents", blocking=True, name="check_incidents", additional_deps=["slo_catalog"]
)
def check_incidents(
    settings: PipelineSettings, warehouse: WarehouseResource, quality: QualityResource
) -> dg.AssetCheckResult:
    """Incidents: ids present and unique, started_at present, started <= detected <=
    acknowledged <= resolved where present, severity in SEV1..SEV3, every service known to the
    SLO catalog or the capacity resources (all blocking)."""
    from sre_pipeline.quality.report import known_services
    from sre_pipeline.quality.suites import incidents_suite

    slos = stored_catalog(warehouse.engine(), include_listed=True)  # their services are known
    if slos is None:
        return result_of(_spec_problems(NOT_MATERIALISED))
    try:
        services = known_services(Catalog(slos), settings.resources())
    except SpecError as exc:
        return result_of(_spec_problems(exc))
    frame = read_slice(warehouse.engine(), tables.incidents)
    return result_of(_result(incidents_suite(frame, services)))


@dg.asset_check(asset="action_items", blocking=True, name="check_action_items")
def check_action_items(
    warehouse: WarehouseResource, quality: QualityResource
) -> dg.AssetCheckResult:
    """Action items: ids present and unique, an owner, a due date that is a real date, a status
    in the allowed set (all blocking)."""
    from sre_pipeline.quality.suites import action_items_suite

    frame = read_slice(warehouse.engine(), tables.action_items)
    return result_of(_result(action_items_suite(frame)))
