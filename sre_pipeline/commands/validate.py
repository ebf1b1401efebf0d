"""``sre-pipeline validate PATH...``: one line per SLO, or every problem with its place."""

from __future__ import annotations

import sys

from sre_pipeline.slo.loader import load_catalog


def describe_objective(objective: float) -> str:
    """0.999 -> ``99.9%``."""
    return f"{objective * 100:.10g}%"


def run(args) -> int:
    """Load every spec and print what was understood; problems raise SpecError (exit 2)."""
    catalog = load_catalog(args.paths, sloth_period=args.sloth_period)
    for warning in catalog.warnings:
        print(warning, file=sys.stderr)
    rows = [("SLO", "OBJECTIVE", "PERIOD", "SLI", "FORMAT", "SOURCE")]
    for slo in catalog.slos:
        rows.append(
            (
                slo.id,
                describe_objective(slo.objective),
                slo.period.label + ("" if slo.period.is_rolling else f" ({slo.period.time_zone})"),
                slo.sli.kind + (" (timeslices)" if slo.budgeting.method == "timeslices" else ""),
                slo.source.format,
                f"{slo.source.file}#{slo.source.document}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(f"{len(catalog.slos)} SLO(s) OK", file=sys.stderr)
    return 0
