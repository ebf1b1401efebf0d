"""``sre-pipeline evaluate``: budgets, burn rates and alerts of specs over an events CSV."""

from __future__ import annotations

import sys

import pandas as pd

from sre_pipeline.commands import UsageError, sloth_period
from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.budget.grid import NS
from sre_pipeline.slo.exchange.events_csv import read_events
from sre_pipeline.slo.exchange.events_grid import bucket_width
from sre_pipeline.slo.exchange.report import status_json, status_table
from sre_pipeline.slo.spec.loader import load_catalog


def run(args) -> int:
    """Evaluate and print; unknown SLO ids in the CSV are reported on stderr."""
    catalog = load_catalog(args.slos, sloth_period=sloth_period(args))
    read = read_events(args.events)
    events = read.frame
    for w in catalog.warnings + read.warnings:
        print(w, file=sys.stderr)
    # rows off the grid, or of another width, raise SpecError with their lines
    width_ns = bucket_width(read, int(args.bucket.total_seconds()) * NS if args.bucket else None)
    if not width_ns:
        raise UsageError(
            "cannot infer the bucket width from a single bucket; pass --bucket, e.g. 5m"
        )
    ts = events["bucket_start"].array.asi8
    known = set(catalog.ids)
    unknown = events.loc[~events["slo"].isin(known), "slo"].value_counts()
    for slo_id, count in unknown[unknown > 0].items():
        print(
            f"warning: {args.events}: {count} row(s) for SLO '{slo_id}' not in the specs",
            file=sys.stderr,
        )
    # --at is a UTC timestamp already (checked by its argparse type)
    at = (
        args.at
        if args.at is not None
        else pd.Timestamp(int(ts.max()) + width_ns, unit="ns", tz="UTC")
    )
    try:
        evaluator = Evaluator(events, catalog.slos, at, at, width=pd.Timedelta(width_ns, "ns"))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    status = evaluator.status(at)
    for row in status.itertuples(index=False):
        if row.good_gt_total_buckets:
            print(
                f"warning: {row.slo}: {row.good_gt_total_buckets} bucket(s) with good > total "
                "(kept as negative bad events)",
                file=sys.stderr,
            )
    print(status_json(status) if args.format == "json" else status_table(status))
    return 0
