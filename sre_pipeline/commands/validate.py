"""``sre-pipeline validate PATH...``: one line per SLO, or every problem with its place.

Also capacity files (``--capacity``) and postmortems (``--postmortems``). Exit code 2 when
anything has an error (every problem is listed, warnings too); warnings alone exit 0.
"""

from __future__ import annotations

import sys

from sre_pipeline.commands import UsageError, bucket_width, sloth_period
from sre_pipeline.incidents.completeness import incomplete_items
from sre_pipeline.incidents.postmortems import load_postmortems
from sre_pipeline.inputs.durations import format_duration
from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.sources.capacity import load_resources
from sre_pipeline.text_tables import text_table


def describe_objective(objective: float) -> str:
    """0.999 -> ``99.9%``."""
    return f"{objective * 100:.10g}%"


def _print_rows(rows: list[tuple]) -> None:
    """Print ``rows`` (the first is the header) as aligned columns, without a rule: one line
    per item keeps the output easy to grep and cut."""
    print(text_table(rows[1:], rows[0], rule=False))


def run(args) -> int:
    """Load every spec (and postmortem) and print what was understood; problems raise
    SpecError (exit 2)."""
    if not args.paths and not args.postmortems and not args.capacity:
        raise UsageError(
            "give spec files or directories, --capacity FILE, --postmortems PATH, or several"
        )
    services = None
    if args.paths:
        services = {slo.service for slo in _slos(args)}
    if args.capacity:
        _capacity(args.capacity)
    if args.postmortems:
        _postmortems(args, services)
    return 0


def _capacity(paths: list[str]) -> None:
    """One line per capacity resource; the problems of every file at once."""
    rows = [("RESOURCE", "SERVICE", "STEP", "THRESHOLDS (%)", "FILE")]
    problems: list[Problem] = []
    for path in paths:
        try:
            resources = load_resources(path)
        except SpecError as exc:
            problems += exc.problems
            continue
        for r in resources:
            levels = "/".join(f"{t * 100:g}" for t in r.thresholds)
            rows.append((r.name, r.service or "-", format_duration(r.step), levels, path))
    if problems:
        raise SpecError(problems)
    _print_rows(rows)
    print(f"{len(rows) - 1} capacity resource(s) OK", file=sys.stderr)


def _postmortems(args, services: set[str] | None) -> None:
    """One line per incident; services the catalog lacks are warned about (the incidents
    check blocks publishing on them)."""
    found = load_postmortems(args.postmortems, args.time_zone)
    for warning in found.warnings + incomplete_items(found.incidents):
        print(warning, file=sys.stderr)
    rows = [("INCIDENT", "SEVERITY", "STARTED (UTC)", "RESOLVED", "POSTMORTEM", "ITEMS", "FILE")]
    for i in found.incidents:
        unknown = sorted(set(i.services) - services) if services is not None else []
        if unknown:
            print(
                f"warning: {i.incident_id}: service(s) {', '.join(unknown)} not in the SLO catalog",
                file=sys.stderr,
            )
        rows.append(
            (
                i.incident_id,
                i.severity,
                f"{i.started_at:%Y-%m-%d %H:%M}",
                "yes" if i.resolved_at else "no",
                "published" if i.postmortem_published_at else "draft",
                str(len(i.action_items)),
                i.source,
            )
        )
    _print_rows(rows)
    items = sum(len(i.action_items) for i in found.incidents)
    print(f"{len(found.incidents)} incident(s), {items} action item(s) OK", file=sys.stderr)


def _slos(args):
    catalog = load_catalog(
        args.paths,
        sloth_period=sloth_period(args),
        allow_empty=True,
        strict_references=False,
        bucket=bucket_width(),
    )
    for warning in catalog.warnings:
        print(warning, file=sys.stderr)
    rows = [("SLO", "OBJECTIVE", "PERIOD", "SLI", "FORMAT", "SOURCE")]
    for slo in catalog.slos + catalog.listed:
        rows.append(
            (
                slo.id,
                describe_objective(slo.objective),
                slo.period.label + ("" if slo.period.is_rolling else f" ({slo.period.time_zone})"),
                slo.sli.kind
                + (
                    f" ({slo.budgeting.method.replace('_', ' ')})"
                    if slo.budgeting.method != "occurrences"
                    else ""
                )
                + ("" if slo.collectable else " (not collected)"),
                slo.source.format,
                f"{slo.source.file}#{slo.source.document}",
            )
        )
    if len(rows) > 1:
        _print_rows(rows)
    also = ", ".join(f"{n} {kind}(s)" for kind, n in catalog.others.items())
    summary = f"{len(catalog.slos) + len(catalog.listed)} SLO(s) OK"
    if catalog.listed:
        summary += f", {len(catalog.listed)} of them listed, not collected"
    print(summary + (f" (and {also})" if also else ""), file=sys.stderr)
    return catalog.slos
