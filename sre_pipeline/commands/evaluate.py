"""``sre-pipeline evaluate``: budgets, burn rates and alerts of specs over an events CSV."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from sre_pipeline.commands import UsageError
from sre_pipeline.slo.evaluator import Evaluator
from sre_pipeline.slo.events_io import read_events_csv
from sre_pipeline.slo.grid import NS, infer_width
from sre_pipeline.slo.loader import load_catalog
from sre_pipeline.slo.report import status_json, status_table


def parse_instant(text: str) -> pd.Timestamp:
    """ISO 8601 instant (UTC when it has no offset) or a UsageError saying what is expected."""
    try:
        ts = pd.Timestamp(text)
        if ts is pd.NaT:  # pd.Timestamp("") is NaT rather than an error
            raise ValueError(text)
    except (ValueError, TypeError):
        raise UsageError(
            f"--at '{text}' is not an ISO 8601 time; expected e.g. 2026-11-02T10:00Z"
        ) from None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def run(args) -> int:
    """Evaluate and print; unknown SLO ids in the CSV are reported on stderr."""
    catalog = load_catalog(args.slos, sloth_period=args.sloth_period)
    events, warnings = read_events_csv(args.events)
    for w in catalog.warnings + warnings:
        print(w, file=sys.stderr)
    width_ns = int(args.bucket.total_seconds()) * NS if args.bucket else infer_width(events)
    if not width_ns:
        raise UsageError(
            "cannot infer the bucket width from a single bucket; pass --bucket, e.g. 5m"
        )
    ts = events["bucket_start"].array.asi8
    misaligned = np.count_nonzero(ts % width_ns)
    if misaligned:
        raise UsageError(
            f"{args.events}: {misaligned} bucket_start value(s) are not on {width_ns // NS}s "
            "boundaries (counted from 00:00 UTC); expected aligned buckets, or pass --bucket"
        )
    known = set(catalog.ids)
    unknown = events.loc[~events["slo"].isin(known), "slo"].value_counts()
    for slo_id, count in unknown[unknown > 0].items():
        print(
            f"warning: {args.events}: {count} row(s) for SLO '{slo_id}' not in the specs",
            file=sys.stderr,
        )
    at = (
        parse_instant(args.at)
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
