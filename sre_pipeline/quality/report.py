"""The data-quality section of the weekly review: the suites run again over exactly the data the
review publishes from, day by day, with the SLOs whose figures rest on partial data.

Re-running the suites (instead of reading back what the Dagster checks reported) keeps the
section true to the warehouse at publish time, works without a Dagster instance (the CLI) and
gives the same answer for the same week every time: freshness is only judged for today's
partition, never for a finished week.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine

from sre_pipeline.quality import stored
from sre_pipeline.quality.gx_runner import SuiteResult
from sre_pipeline.quality.suites import (
    action_items_suite,
    capacity_suite,
    coverage_table,
    events_suite,
    incidents_suite,
    settled_end,
)
from sre_pipeline.slo.budget.daily import day_bounds
from sre_pipeline.sources.capacity import load_resources
from sre_pipeline.text_tables import markdown_table
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_events, read_slice

PARTIAL_ROWS = 20  # SLO-days listed under "Partial data"; the rest are counted in one row


@dataclass(frozen=True)
class QualityInputs:
    """What the suites check against: the catalog's SLOs and services, the capacity resources'
    steps, the bucket width, the zone of days and the coverage threshold."""

    slos: Sequence[str]
    services: Sequence[str]
    resource_steps: Mapping[str, int]
    bucket_seconds: int
    time_zone: str = "UTC"
    coverage_threshold: float = 0.95
    freshness: timedelta = timedelta(minutes=30)


def known_services(catalog, resources) -> list[str]:
    """Services an incident may name: the catalog's and the capacity resources' (a service
    may only have capacity tracked)."""
    slos = catalog.slos + catalog.listed  # a listed SLO's service is known too
    return sorted({s.service for s in slos} | {r.service for r in resources if r.service})


def inputs_from_config(config) -> QualityInputs:
    """Inputs for a :class:`~sre_pipeline.config.PipelineConfig` (the CLI's view of what the
    Dagster checks get from their settings resource)."""
    resources = load_resources(config.capacity) if config.capacity else []
    return quality_inputs(
        config.catalog(),
        resources,
        config.bucket_minutes,
        config.time_zone,
        config.coverage_threshold,
        config.freshness_minutes,
    )


def quality_inputs(
    catalog,
    resources,
    bucket_minutes: int,
    time_zone: str,
    coverage_threshold: float,
    freshness_minutes: int,
) -> QualityInputs:
    """Inputs from a loaded catalog and capacity resources."""
    return QualityInputs(
        slos=catalog.ids,
        services=known_services(catalog, resources),
        resource_steps={r.name: int(r.step.total_seconds()) for r in resources},
        bucket_seconds=bucket_minutes * 60,
        time_zone=time_zone,
        coverage_threshold=coverage_threshold,
        freshness=timedelta(minutes=freshness_minutes),
    )


@dataclass(frozen=True)
class CheckRun:
    """One suite over one scope (a day, or ``all`` for incidents and action items)."""

    suite: str
    scope: str
    rows: int
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """No error outcome failed (warnings allowed)."""
        return not self.errors


@dataclass
class QualityReport:
    """Every check run of the period, and the SLOs whose coverage was incomplete."""

    days: list[date]
    threshold: float
    runs: list[CheckRun] = field(default_factory=list)
    events_rows: int = 0  # SLI event rows of the period (0: nothing was collected at all)
    # slo, day, coverage: every SLO-day under 100 %, worst first
    partial: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["slo", "day", "coverage"])
    )

    @property
    def failed(self) -> list[CheckRun]:
        """Runs with a failed error-severity outcome: data publishing should not rest on."""
        return [r for r in self.runs if not r.passed]

    @property
    def warned(self) -> list[CheckRun]:
        """Runs that passed with warnings."""
        return [r for r in self.runs if r.passed and r.warnings]

    @property
    def low_coverage(self) -> pd.DataFrame:
        """Per SLO below the threshold on some day: the worst coverage and how many days."""
        low = self.partial[self.partial["coverage"] < self.threshold]
        grouped = low.groupby("slo", sort=False).agg(
            worst=("coverage", "min"), days=("day", "nunique")
        )
        return grouped.reset_index().sort_values(["worst", "slo"], ignore_index=True)

    @property
    def rests_on_partial_data(self) -> bool:
        """True when some SLO missed buckets on some day of the period."""
        return not self.partial.empty

    def summary(self) -> str:
        """One sentence for the top of the review."""
        text = (
            f"{len(self.runs)} check runs, {len(self.failed)} failed, "
            f"{len(self.warned)} with warnings"
        )
        if self.events_rows == 0:
            text += "; no SLI events were stored for the period"
        elif self.rests_on_partial_data:
            n = self.partial["slo"].nunique()
            text += f"; figures of {n} SLO(s) rest on partial data"
        return text + "."

    def markdown(self) -> str:
        """The section as Markdown: summary, failed checks, low coverage, partial data."""
        first, last = self.days[0], self.days[-1]
        lines = [f"## Data quality ({first} to {last})", "", self.summary(), ""]
        if self.failed:
            failed = [[r.suite, r.scope, f"{r.rows:,}", "; ".join(r.errors)] for r in self.failed]
            lines += [
                "**Failed checks** (publishing from these stops):",
                "",
                markdown_table(failed, ["Suite", "Scope", "Rows", "Failed"], "llrl"),
                "",
            ]
        low = self.low_coverage
        if len(low):
            worst = [[r.slo, f"{r.worst:.1%}", str(r.days)] for r in low.itertuples()]
            lines += [
                f"**SLOs with low coverage** (below {self.threshold:.0%} of expected "
                "buckets on at least one day):",
                "",
                markdown_table(worst, ["SLO", "Worst day", "Days below"], "lrr"),
                "",
            ]
        if self.rests_on_partial_data:
            partial = [
                [r.slo, str(r.day), f"{r.coverage:.1%}"]
                for r in self.partial.head(PARTIAL_ROWS).itertuples()
            ]
            if len(self.partial) > PARTIAL_ROWS:
                partial.append(["...", f"{len(self.partial) - PARTIAL_ROWS} more SLO-days", ""])
            lines += [
                "**Partial data**: these figures count only the buckets that were "
                "collected; missing buckets are neither good nor bad.",
                "",
                markdown_table(partial, ["SLO", "Day", "Coverage"], "llr"),
                "",
            ]
        if self.warned:
            warned = sorted({w for r in self.warned for w in r.warnings})
            lines += ["Warnings: " + "; ".join(warned), ""]
        return "\n".join(lines)


def _run(result: SuiteResult, scope: str) -> CheckRun:
    return CheckRun(
        result.suite,
        scope,
        result.rows,
        tuple(o.name for o in result.errors),
        tuple(o.name for o in result.warnings),
    )


EVENTS_SUITE = "sli_events"  # the suite's own name (events_suite)


def events_fingerprint(
    engine: Engine, inputs: QualityInputs, day: date, now: pd.Timestamp
) -> stored.Fingerprint:
    """What the events suite of ``day`` checks: the day's stored rows (count, sums of good
    and total) and everything its outcome depends on besides them (the known ids, the bucket
    width, the threshold, and whether the day was still in progress at ``now``)."""
    start, end = day_bounds(day, inputs.time_zone)
    settled = settled_end(end, now, inputs.freshness, inputs.bucket_seconds)
    digest = stored.inputs_digest(
        EVENTS_SUITE,
        sorted(inputs.slos),
        inputs.bucket_seconds,
        inputs.coverage_threshold,
        inputs.freshness.total_seconds(),
        settled.isoformat(),
        bool(now < end),
    )
    return stored.fingerprint(
        engine, tables.sli_events, "bucket_start", ["good", "total"], start, end, digest
    )


def events_day(
    events: pd.DataFrame,
    inputs: QualityInputs,
    day: date,
    now: pd.Timestamp,
    rows: bool = True,
    rows_before: Mapping[str, int] | None = None,
) -> tuple[SuiteResult, dict[str, float]]:
    """The events suite over one day's events, and each SLO's coverage where under 100 %.

    ``rows_before``: ``events`` are only the rows each SLO has from its resume point on, and
    it had this many stored before (rows a kept check of the day passed): their rows are not
    validated again, and count towards coverage (a resume point is never after the settled
    end coverage is judged to) and the day's row count."""
    start, end = day_bounds(day, inputs.time_zone)
    window = (start, settled_end(end, now, inputs.freshness, inputs.bucket_seconds))
    steps = dict.fromkeys(inputs.slos, inputs.bucket_seconds)
    table = coverage_table(events["slo"], events["bucket_start"], window, steps)
    if rows_before:
        table = with_rows_before(table, rows_before)
    result = events_suite(
        events,
        inputs.slos,
        inputs.bucket_seconds,
        start,
        end,
        now,
        inputs.coverage_threshold,
        inputs.freshness,
        validate_rows=rows,
        coverage=table,  # computed once, for the suite's outcome and the partial list
    )
    if rows_before:
        result = dataclasses.replace(result, rows=result.rows + sum(rows_before.values()))
    cover = table[table["coverage"] < 1.0]
    return result, {str(r.series): float(r.coverage) for r in cover.itertuples()}


def with_rows_before(table: pd.DataFrame, rows_before: Mapping[str, int]) -> pd.DataFrame:
    """A :func:`~.suites.coverage_table` with each series' rows stored before added."""
    out = table.copy()
    out["present"] = out["present"] + out["series"].map(rows_before).fillna(0).astype(int)
    out["coverage"] = out["present"] / out["expected"]
    return out.sort_values(["coverage", "series"], ignore_index=True)


def keep_events_day(
    engine: Engine,
    inputs: QualityInputs,
    day: date,
    now: pd.Timestamp,
    result: SuiteResult,
    partial: dict[str, float],
    print_: stored.Fingerprint | None = None,
    settled: str | None = None,
) -> None:
    """Store a day's events suite result with the fingerprint of what it checked (taken
    now, from the stored rows, unless given) and, for a day in progress, the ``settled``
    digest of the roll-ups it saw."""
    print_ = print_ or events_fingerprint(engine, inputs, day, now)
    errors = [o.name for o in result.errors]
    warnings = [o.name for o in result.warnings]
    scope = day.isoformat()
    stored.store(
        engine, EVENTS_SUITE, scope, print_, result.rows, errors, warnings, partial, settled
    )


def trusted_before(
    engine: Engine, inputs: QualityInputs, day: date, now: pd.Timestamp, since, settled: str
) -> bool:
    """Whether the rows of ``day`` before a resumed collection's resume points were passed by
    the check kept for the day: it found no error, the roll-ups it saw (``settled`` digest:
    every SLO's rows up to its settle point, the ids and the bucket width) are still the
    ones stored, and no resume point (``since``, the latest) is past where coverage is judged
    (an overlap shorter than the freshness)."""
    kept = stored.load(engine, EVENTS_SUITE, [day.isoformat()]).get(day.isoformat())
    end = day_bounds(day, inputs.time_zone)[1]
    judged_to = settled_end(end, now, inputs.freshness, inputs.bucket_seconds)
    return (
        kept is not None
        and not kept.errors
        and kept.settled is not None
        and kept.settled == settled
        and since <= judged_to
    )


def quality_report(
    engine: Engine,
    inputs: QualityInputs,
    days: Sequence[date],
    now: pd.Timestamp | None = None,
    keep: bool = False,
) -> QualityReport:
    """The events and capacity suites of each day of ``days`` and the incident and
    action-item suites once, over what the warehouse holds now. A day's events suite is
    re-run only when the result a check stored for it no longer fits the day's data and
    inputs (:mod:`.stored`); with ``keep``, a re-run's result is stored in turn (the review
    does; a report command only reads)."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    report = QualityReport(list(days), inputs.coverage_threshold)
    partial = []
    kept = stored.load(engine, EVENTS_SUITE, [d.isoformat() for d in days])
    for day in days:
        start, end = day_bounds(day, inputs.time_zone)
        scope = day.isoformat()
        print_ = events_fingerprint(engine, inputs, day, now)
        before = kept.get(scope)
        if before is not None and before.fingerprint.matches(print_):
            report.runs.append(
                CheckRun(EVENTS_SUITE, scope, before.rows, before.errors, before.warnings)
            )
            report.events_rows += before.rows
            partial += [(slo, day, cov) for slo, cov in before.partial.items()]
        else:
            events = read_events(engine, start, end)
            events["slo"] = events["slo"].astype(str)
            result, under = events_day(events, inputs, day, now)
            report.runs.append(_run(result, scope))
            report.events_rows += len(events)
            partial += [(slo, day, cov) for slo, cov in under.items()]
            if keep:
                keep_events_day(engine, inputs, day, now, result, under, print_)
        if inputs.resource_steps:
            samples = read_slice(engine, tables.capacity_samples, "ts", start, end)
            result = capacity_suite(
                samples,
                inputs.resource_steps,
                start,
                end,
                now,
                inputs.coverage_threshold,
                inputs.freshness,
            )
            report.runs.append(_run(result, day.isoformat()))
    incidents = read_slice(engine, tables.incidents)
    report.runs.append(_run(incidents_suite(incidents, inputs.services), "all"))
    items = read_slice(engine, tables.action_items)
    report.runs.append(_run(action_items_suite(items), "all"))
    frame = pd.DataFrame(partial, columns=["slo", "day", "coverage"])
    report.partial = frame.sort_values(["coverage", "slo", "day"], ignore_index=True)
    return report
