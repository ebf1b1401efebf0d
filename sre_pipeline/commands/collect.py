"""``sre-pipeline collect``: SLI bucket counts from Prometheus into the events CSV.

Exit code 0 when every SLO was collected, 1 when some failed (the CSV then holds the others
and the summary names each failure; when all failed the CSV is left as it was), 2 for unusable
input, which is checked before any query is sent.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import pandas as pd

from sre_pipeline.commands import UsageError, sloth_period
from sre_pipeline.commands.flags import (
    ca_bundle,
    http_url,
    output_file,
    positive_int,
    positive_number,
)
from sre_pipeline.slo.exchange.events_csv import write_events_csv
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.sources.collector import SLICollector, grouped_errors
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig, parse_headers


def prometheus_config(args) -> PrometheusConfig:
    """Connection settings from the shared flags, falling back to ``PROMETHEUS_*`` variables;
    an unusable value is a UsageError naming the flag (or the variable it came from)."""
    positive_number("--timeout", args.timeout, "seconds per request attempt, e.g. 30")
    positive_int("--retries", args.retries, "attempts per query, e.g. 4 (1 for no retry)")
    positive_int("--concurrency", args.concurrency, "queries in flight, e.g. 4")
    _check_from_flag_or_env(http_url, "--prometheus-url", args.prometheus_url, "PROMETHEUS_URL")
    _check_from_flag_or_env(ca_bundle, "--ca-bundle", args.ca_bundle, "PROMETHEUS_CA_BUNDLE")
    try:
        return PrometheusConfig.from_env(
            args.prometheus_url,
            bearer_token=args.bearer_token,
            basic_auth=args.basic_auth,
            ca_bundle=args.ca_bundle,
            verify=False if args.insecure else None,
            headers=parse_headers(args.header),
            timeout_s=args.timeout,
            retries=args.retries,
            concurrency=args.concurrency,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _check_from_flag_or_env(check, flag: str, value: str | None, variable: str) -> None:
    """``check`` the flag's value, or the variable's when the flag is not given (as
    :meth:`PrometheusConfig.from_env` picks them), naming whichever it came from."""
    if value:
        check(flag, value)
    elif os.environ.get(variable):
        check(variable, os.environ[variable])


def _aligned(name: str, ts: pd.Timestamp, bucket_s: int) -> pd.Timestamp:
    """``ts`` (parsed by the flag's argparse type) when it is on a bucket boundary."""
    if int(ts.timestamp()) % bucket_s or ts.nanosecond or ts.microsecond:
        raise UsageError(
            f"--{name} {ts:%Y-%m-%dT%H:%M:%SZ} is not on a {bucket_s}s bucket boundary; "
            f"expected e.g. {ts.floor(f'{bucket_s}s'):%Y-%m-%dT%H:%MZ}"
        )
    return ts


def run(args) -> int:
    """Check the input, collect, write the CSV atomically, summarise on stderr."""
    config = prometheus_config(args)
    output_file("--output", args.output)
    catalog = load_catalog(args.slos, sloth_period=sloth_period(args), bucket=args.bucket)
    bucket_s = int(args.bucket.total_seconds())
    start, end = _aligned("start", args.start, bucket_s), _aligned("end", args.end, bucket_s)
    if end <= start:
        raise UsageError("--end must be after --start")
    with PrometheusClient(config) as client:
        result = SLICollector(client, config.concurrency).collect(
            catalog.slos, start, end, bucket_s
        )
    failed = sorted({f.slo for f in result.failures})
    if failed and len(failed) == len(catalog.slos):
        # an empty CSV would pass for "no traffic" and replace good data from an earlier run
        _print_failures(result)
        print(
            f"FAILED: all {len(failed)} SLO(s) failed; {args.output} not written",
            file=sys.stderr,
        )
        return 1
    _write(result, args.output)
    _print_summary(result, len(catalog.slos), args.output)
    _print_failures(result)
    if failed:
        print(f"PARTIAL: {len(failed)} SLO(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _write(result, path: str) -> None:
    try:
        write_events_csv(result.events, path)
    except OSError as exc:
        raise UsageError(f"--output: cannot write '{path}': {exc.strerror or exc}") from None


def _print_summary(result, n_slos: int, path: str) -> None:
    collected = result.events["slo"].nunique()
    print(
        f"collected {len(result.events):,} buckets for {collected} of {n_slos} SLOs "
        f"in {result.queries} queries -> {path}",
        file=sys.stderr,
    )
    if result.dropped_non_finite:
        print(f"note: dropped {result.dropped_non_finite} NaN/Inf samples", file=sys.stderr)
    for slo_id, n in result.good_gt_total.items():
        print(f"warning: {slo_id}: {n} bucket(s) with good > total (kept)", file=sys.stderr)
    for item in result.empty_numerators:
        print(f"warning: {item}: the query matched no series (counted as 0)", file=sys.stderr)
    for item in result.multi_series:
        print(f"note: {item}: several series were summed; aggregate with sum()", file=sys.stderr)


def _print_failures(result) -> None:
    """Each failure with its query; an error shared by several (a server that is down) once,
    naming them."""
    counts = Counter(f.error for f in result.failures)
    single = [f for f in result.failures if counts[f.error] == 1]
    for f in single:
        print(f"error: {f.slo} ({f.role}): {f.error}\n  query: {f.query}", file=sys.stderr)
    shared = [(f"{f.slo} ({f.role})", f.error) for f in result.failures if counts[f.error] > 1]
    for line in grouped_errors(shared):
        print(f"error: {line}", file=sys.stderr)
