"""Collection assets: SLI bucket counts and capacity samples per day, from the SLI source.

A collection never replaces stored rows with fewer: SLOs (resources) whose queries failed, or
that answered no series where rows are stored, keep their rows (``write_collected``); the
others are replaced; then the step fails and names what failed, so the run, the UI, the
schedules and the run-failure sensor show it and nothing downstream computes from the hole.

No ``from __future__ import annotations``: Dagster reads the real annotations.
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import dagster as dg
import pandas as pd

from sre_pipeline.defs import handoff
from sre_pipeline.defs.metadata import add_day_metadata, spec_failure, table_metadata
from sre_pipeline.defs.partitions import Partitioning, days_of, utc_window
from sre_pipeline.defs.resources import PipelineSettings, SLISource, WarehouseResource
from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.slo.budget.daily import day_bounds
from sre_pipeline.slo.spec.loader import Catalog
from sre_pipeline.sources.collector import grouped_errors
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.collected import CollectedWrite, write_collected
from sre_pipeline.warehouse.events_collection import collect_events
from sre_pipeline.warehouse.reads import EVENT_COLUMNS, stored_catalog

# Back-fills run up to two weeks of days per run: one query plan per range, bounded memory.
BACKFILL = dg.BackfillPolicy.multi_run(max_partitions_per_run=14)
RETRY = dg.RetryPolicy(
    max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
STEP_RETRIES_TAG = "sre_pipeline/step_retries"
# "true": today's partition is collected from midnight, not from where each SLO settled
WHOLE_DAY_TAG = "sre_pipeline/collect_whole_day"
CHECK = "check_sli_events"  # the blocking check of the events (defs.checks)
COLLECTED = "sli_events"  # the name a whole collection's frame is shared under (handoff)
READ_LATER = ("slo_status",)  # assets that compute from the run's collected buckets
HOURLY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=pd.Timedelta(hours=3).to_pytimedelta(),
    warn_window=pd.Timedelta(minutes=90).to_pytimedelta(),
)


def catalog_or_fail(warehouse: WarehouseResource) -> Catalog:
    """The materialised SLO catalog (``slo_catalog``, which every job materialises first), or
    a run failure saying to materialise it: the assets compute from the catalog as stored, so
    a run's SLOs are the ones its catalog step validated."""
    slos = stored_catalog(warehouse.engine())
    if slos is None:
        raise dg.Failure(
            description="the SLO catalog is not materialised in the warehouse (or was stored "
            "by an older version): materialise slo_catalog first; every job of the code "
            "location starts with it"
        )
    return Catalog(slos)


def _md_list(items: Sequence[str], empty: str = "none") -> dg.MetadataValue:
    return dg.MetadataValue.md("\n".join(f"- {i}" for i in items) if items else empty)


def collection_failure(
    context: dg.AssetExecutionContext,
    what: str,
    written: CollectedWrite,
    errors: Sequence[tuple[str, str]],
) -> dg.Failure:
    """The failure of a partial collection: what failed, what was kept and what was replaced;
    ``errors`` are (what failed, why) pairs. The step's retry policy applies (an outage may
    pass), unless the run's tag ``sre_pipeline/step_retries: off`` says a person is waiting
    (the demo, ``backfill``)."""
    errors = list(errors) + [
        (key, "no series returned where rows are stored (kept as stored)")
        for key in written.vanished
    ]
    problems = [f"{name}: {error}" for name, error in errors]
    return dg.Failure(
        description=f"{what}: {len(written.kept) + len(written.vanished)} failed, kept as "
        f"stored; {len(written.replaced)} replaced.\n" + "\n".join(grouped_errors(errors)[:20]),
        metadata={
            "failed": _md_list(problems),
            "kept_as_stored": len(written.kept) + len(written.vanished),
            "replaced": len(written.replaced),
            "rows_written": written.inserted,
        },
        allow_retries=context.run.tags.get(STEP_RETRIES_TAG) != "off",
    )


def _day_rows(frame: pd.DataFrame, time_column: str, day: date, tz: str):
    start, end = day_bounds(day, tz)
    part = frame[(frame[time_column] >= start) & (frame[time_column] < end)]
    return part, start, end


def events_day_metadata(
    frame: pd.DataFrame,
    slo_ids: Sequence[str],
    days: Sequence[date],
    tz: str,
    width: pd.Timedelta,
    until: pd.Timestamp,
    rows_before: Mapping[str, int] | None = None,
) -> dict[date, dict]:
    """Each day's own figures: rows, coverage of the buckets due so far, SLOs without data.
    ``rows_before``: rows each SLO has stored before where ``frame`` starts (a day resumed
    from its settle point), so the figures are the day's, not the run's."""
    out = {}
    before = rows_before or {}
    for day in days:
        part, start, end = _day_rows(frame, "bucket_start", day, tz)
        due = max(0, int((min(end, until) - start) / width)) * len(slo_ids)
        with_data = {str(s) for s in part["slo"].unique()}  # distinct first: 10^5 rows
        with_data |= {s for s, n in before.items() if n > 0}
        missing = [s for s in slo_ids if s not in with_data]
        rows = len(part) + sum(before.get(s, 0) for s in slo_ids)
        meta = {
            "dagster/row_count": rows,
            "slos_with_data": len(with_data),
            "slos_without_data": _md_list(missing),
            "collected_until": (min(end, until)).isoformat(),
        }
        if due:
            meta["coverage"] = round(rows / due, 4)
        out[day] = meta
    return out


def _sli_events(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    source: SLISource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Good and total event counts per SLO and bucket (default 5 minutes) of each day,
    collected from the SLI source (Prometheus; in the demo's location, its history).
    Re-running a day replaces exactly that day's buckets up to now; an SLO whose queries fail
    keeps what is stored, and the run fails naming it."""
    handoff.unshare(COLLECTED)  # a retried step's earlier frame no longer says what is stored
    catalog = catalog_or_fail(warehouse)
    days = days_of(context)
    start, end = utc_window(context)
    width = pd.Timedelta(settings.width)
    until = min(end, max(settings.now().floor(width), start))
    if until <= start:  # a day that has not begun: nothing to collect, nothing to replace
        return _nothing_yet(context, settings, warehouse, catalog, days, (start, until))

    def collect(slos, since, to):
        try:
            return source.events(slos, since, to, settings.width)
        except SpecError as exc:  # no Prometheus configured, or the demo plan does not fit
            raise spec_failure(exc, "the SLI source's configuration") from None

    got = collect_events(
        warehouse.engine(),
        collect,
        catalog.slos,
        days,
        settings.time_zone,
        (start, end),
        until,
        settings.width,
        timedelta(minutes=settings.overlap_minutes),
        resume=context.run.tags.get(WHOLE_DAY_TAG) != "true",
        before_write=_validate_ahead(context, catalog.ids, settings),
    )
    if not got.written.complete:
        raise collection_failure(context, "SLI collection", got.written, got.errors)
    frame = got.frame
    settled = None
    if got.settled_after is not None:  # today: what its check needs to trust the settled part
        since = max(g.since for g in got.groups)
        rows_before = {} if got.whole else got.rows_before
        settled = handoff.Settled(rows_before, since, got.settled_before, got.settled_after)
    events = frame[list(EVENT_COLUMNS)]
    if got.whole or settled is not None:  # what the warehouse holds: its check reads nothing
        handoff.give(context.run.run_id, "sli_events", events, start, until, settled)
    if got.whole and _read_later(context):  # and the status of these days reads nothing back
        handoff.share(context.run.run_id, COLLECTED, events, start, until)
    if not got.whole:
        context.log.info(
            "resumed: "
            + "; ".join(f"{len(g.slos)} SLO(s) from {g.since:%H:%M} UTC" for g in got.groups)
        )
    never_seen = sorted(set(got.no_data))
    for slo in never_seen:
        context.log.warning(f"{slo}: the queries returned no series (nothing stored yet)")
    meta = events_day_metadata(
        frame, catalog.ids, days, settings.time_zone, width, until, got.rows_before
    )
    add_day_metadata(context, meta)
    return dg.MaterializeResult(
        metadata={
            "queries": got.queries,
            "no_series": _md_list(never_seen),
            "collected_from": min(g.since for g in got.groups).isoformat(),
        }
    )


def _validate_ahead(context: dg.AssetExecutionContext, ids: Sequence[str], settings):
    """When the run checks the events: a callback sending a whole collection's rows to the GX
    worker before they are written, so their validation runs while they are written, and the
    check (which validates the same rows) finds it done."""
    checks = context.run.asset_check_selection
    if checks is not None and dg.AssetCheckKey(dg.AssetKey("sli_events"), CHECK) not in checks:
        return None
    bucket_s = int(settings.width.total_seconds())

    def ahead(frame: pd.DataFrame) -> None:
        from sre_pipeline.quality import gx_worker
        from sre_pipeline.quality.suites import events_rows

        events = frame[list(EVENT_COLUMNS)].reset_index(drop=True)
        events["slo"] = events["slo"].astype("category")  # as the check takes them
        rows = events_rows(events, ids, bucket_s)
        gx_worker.prefetch(rows.name, rows.specs, rows.checked, rows.parameters)

    return ahead


def _read_later(context: dg.AssetExecutionContext) -> bool:
    """True when the run also materialises an asset that reads the collected buckets."""
    selection = context.run.asset_selection
    return selection is None or any(dg.AssetKey(k) in selection for k in READ_LATER)


def _nothing_yet(context, settings, warehouse, catalog, days, window) -> dg.MaterializeResult:
    """A step whose days have not begun: it writes an empty window and says so per day."""
    frame = pd.DataFrame({"slo": [], "bucket_start": pd.Series(dtype="datetime64[ns, UTC]")})
    write_collected(
        warehouse.engine(), tables.sli_events, frame, window, "bucket_start", "slo", catalog.ids
    )
    width = pd.Timedelta(settings.width)
    meta = events_day_metadata(frame, catalog.ids, days, settings.time_zone, width, window[1])
    add_day_metadata(context, meta)
    return dg.MaterializeResult(metadata={"queries": 0, "no_series": _md_list([])})


def capacity_day_metadata(
    samples: pd.DataFrame, resources: Sequence[str], days: Sequence[date], tz: str
) -> dict[date, dict]:
    """Each day's own figures: rows, resources with data and their peak utilisation."""
    out = {}
    for day in days:
        part, _, _ = _day_rows(samples, "ts", day, tz)
        peaks = part.groupby("resource")["utilisation"].max() if len(part) else pd.Series()
        out[day] = {
            "dagster/row_count": len(part),
            "resources": len(resources),
            "resources_with_data": int(part["resource"].nunique()) if len(part) else 0,
            "peak_utilisation": dg.MetadataValue.json(
                {str(k): round(float(v), 4) for k, v in peaks.items()}
            ),
            "over_80_percent": sorted(str(k) for k, v in peaks.items() if v >= 0.8),
        }
    return out


def _capacity_samples(
    context: dg.AssetExecutionContext,
    settings: PipelineSettings,
    source: SLISource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    """Utilisation (0..1) and capacity of every configured resource at its step, per day.
    Like the SLI collection, a resource whose queries fail keeps its stored samples and the
    run fails naming it."""
    try:
        resources = settings.resources()
    except SpecError as exc:
        raise spec_failure(exc, "the capacity configuration") from None
    days = days_of(context)
    start, end = utc_window(context)
    until = min(end, max(settings.now().floor("1min"), start))
    names = [r.name for r in resources]
    if until > start and resources:
        result = source.capacity(resources, start, until)
        samples = result.samples
        samples = samples[(samples["ts"] >= start) & (samples["ts"] < until)]
        failed, no_data = result.failed_resources, result.no_data
        first = {r: err for r, _, err in reversed(result.failures)}  # one line per resource
        errors = [(r, first[r]) for r in names if r in first]
    else:
        samples = pd.DataFrame(
            {"resource": [], "ts": pd.Series(dtype="datetime64[ns, UTC]"), "utilisation": []}
        )
        failed, no_data, errors = set(), [], []
    written = write_collected(
        warehouse.engine(),
        tables.capacity_samples,
        samples,
        (start, until),
        "ts",
        "resource",
        names,
        failed,
        no_data,
    )
    if not written.complete:
        raise collection_failure(context, "capacity collection", written, errors)
    add_day_metadata(context, capacity_day_metadata(samples, names, days, settings.time_zone))
    return dg.MaterializeResult(metadata={"no_series": _md_list(sorted(set(no_data)))})


def collection_assets(
    parts: Partitioning, owners: Sequence[str], tags: dict, retry: dg.RetryPolicy | None = RETRY
) -> list[dg.AssetsDefinition]:
    """``sli_events`` and ``capacity_samples`` on the daily partitions."""
    common = dict(
        partitions_def=parts.daily,
        backfill_policy=BACKFILL,
        retry_policy=retry,
        kinds={"prometheus", "sql"},
        freshness_policy=HOURLY_FRESHNESS,
    )
    events = dg.asset(
        name="sli_events",
        group_name="slo",
        deps=[dg.AssetDep("slo_catalog")],
        owners=list(owners),
        tags=tags,
        code_version="2",  # 2: failed SLOs keep their rows
        metadata=table_metadata(tables.sli_events),
        **common,
    )(_sli_events)
    capacity = dg.asset(
        name="capacity_samples",
        group_name="capacity",
        code_version="2",
        metadata=table_metadata(tables.capacity_samples),
        **common,
    )(_capacity_samples)
    return [events, capacity]
