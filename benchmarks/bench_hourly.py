"""The hourly collection job at scale (issue 17): ``--slos`` SLOs from a real Prometheus.

    .venv/bin/python benchmarks/bench_hourly.py [--slos 10000] [--runs 2] [--no-write]

What the ``collection_job`` schedule does every hour: refresh the catalog, then re-collect
today's partition up to now (every SLO's good and total counts in 5-minute buckets, written
with the day's roll-ups, validated by the blocking check). The script

1. simulates ``--slos`` services of 1-minute ``http_requests_total`` counters (bench_collector's
   code=200 / code=500 pair per service, seeded) from ten minutes before today's UTC midnight
   to 40 minutes after now, back-fills them into a Prometheus it starts on a free 127.0.0.1
   port (``promtool``) and writes one native spec per service (as bench_vs_slo_generator);
2. runs ``sre-pipeline backfill --start TODAY --end TOMORROW --assets sli_events`` in a cold
   process ``--runs`` times against one SQLite warehouse: the first run writes the catalog
   and collects today from midnight (a new warehouse: the worst case, a day collected whole
   at this hour), later ones find the catalog unchanged and resume each SLO where the run
   before settled (an hour back, on the hour), as the hourly runs of a day do;
3. checks that every run stored every SLO's buckets up to now, prints the section and, unless
   ``--no-write``, rewrites it in docs/performance.md. Prometheus is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from bench_collector import machine  # noqa: E402 - benchmarks/ is on sys.path when run
from bench_vs_slo_generator import (  # noqa: E402
    CLI,
    make_workload,
    timed_run,
    write_history,
    write_project_config,
    write_project_specs,
)
from perfdoc import publish  # noqa: E402

from sre_pipeline_tests.services.prometheus import backfill, start_prometheus  # noqa: E402

SECTION = "## Hourly collection at scale (issue 17)"
TARGET_S = 30.0
AHEAD = pd.Timedelta(minutes=40)  # counters sampled past now: the runs collect up to their now


def setup(n: int, work: Path) -> dict:
    """History, Prometheus, specs and configuration; seconds of each step."""
    now = pd.Timestamp.now(tz="UTC")
    today = now.floor("D")
    start, end = today - pd.Timedelta(minutes=10), now.ceil("min") + AHEAD
    steps = {}
    t0 = time.perf_counter()
    slos, plan = make_workload(n, 1)
    om = work / "history.om"
    _, figures = write_history(slos, plan, start, end, om)
    steps["simulate + write OpenMetrics"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    backfill(om, work / "tsdb")
    om.unlink()
    steps["promtool backfill"] = time.perf_counter() - t0
    server = start_prometheus(work / "tsdb", work)
    specs = work / "specs"
    write_project_specs(specs, n, 28)
    env = write_project_config(work / "project", specs, server.url, today.date())
    return {"server": server, "env": env, "today": today, "steps": steps, **figures}


def stored(work: Path, day: pd.Timestamp) -> tuple[int, int]:
    """(SLOs, event rows) stored for ``day``."""
    with sqlite3.connect(work / "project" / "warehouse.db") as conn:
        lo = day.strftime("%Y-%m-%d %H:%M:%S")
        hi = (day + pd.Timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
        q = (
            "SELECT count(DISTINCT slo), count(*) FROM sli_events "
            "WHERE bucket_start >= ? AND bucket_start < ?"
        )
        return conn.execute(q, (lo, hi)).fetchone()


def bench(n: int, runs: int, work: Path) -> dict:
    """The setup, then ``runs`` hourly runs, each checked."""
    st = setup(n, work)
    today = st["today"]
    tomorrow = today + pd.Timedelta(days=1)
    cmd = [str(CLI), "backfill", "--start", f"{today:%Y-%m-%d}", "--end", f"{tomorrow:%Y-%m-%d}",
           "--assets", "sli_events"]  # fmt: skip
    out = {"runs": [], **{k: v for k, v in st.items() if k not in ("server", "env")}}
    out["machine"] = machine(st["server"].url)
    try:
        for r in range(runs):
            at = pd.Timestamp.now(tz="UTC")
            res = timed_run(cmd, st["env"], work / "project", work / f"run-{r}.log",
                            st["server"].process.pid)  # fmt: skip
            slos, rows = stored(work, today)
            due = int((at.floor("5min") - today) / pd.Timedelta(minutes=5))
            res.update(at=at, slos=slos, rows=rows, due=due)
            out["runs"].append(res)
            print(f"run {r}: {res['wall']:.1f} s, {rows:,} rows of {slos:,} SLOs", file=sys.stderr)
    finally:
        st["server"].stop()
    return out


def render(o: dict, n: int) -> str:
    """The Markdown section."""
    runs, m = o["runs"], o["machine"]
    later = runs[1:] or runs
    median = statistics.median(r["wall"] for r in later)
    first = runs[0]
    complete = all(r["slos"] == n and r["rows"] >= n * (r["due"] - 1) for r in runs)
    lines = [
        SECTION,
        "",
        f"Measured {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC on {m['nproc']} cores "
        f"({m['cpu']}), {m['ram']:.1f} GiB RAM; Prometheus {m['prom']} on the same machine; "
        f"{m['versions']}, SQLite {sqlite3.sqlite_version}.",
        "Reproduce: `.venv/bin/python benchmarks/bench_hourly.py` (needs `prometheus` and "
        "`promtool`; `--slos N` for a smaller run).",
        "",
        f"Workload: {n:,} events SLOs (one native spec file each, bench_vs_slo_generator's), "
        f"1-minute counters of today back-filled ({o['samples']:,} samples, "
        f"{o['om_mb']:,.0f} MB of OpenMetrics; setup: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in o["steps"].items())
        + "). Each run is the hourly job's work in a cold process: `sre-pipeline backfill` of "
        "today's `sli_events` against one SQLite warehouse: the catalog first, then every "
        "SLO's buckets (2 range queries an SLO, ten to a request, at concurrency 4) written "
        "with the day's roll-ups, then the blocking check. The first run collects from "
        "midnight; the later ones resume where the run before settled, an hour back on the "
        "hour (`overlap_minutes: 60`), continue the roll-ups, and validate only the rows "
        "collected since.",
        "",
        "| Run | Started (UTC) | Buckets of today | Wall | CPU process / Prometheus "
        "| Rows stored |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(runs):
        what = (
            "first (new warehouse: catalog written, day from midnight)"
            if i == 0
            else "hourly (resumed where the run before settled)"
        )
        lines.append(
            f"| {i + 1}: {what} | {r['at']:%H:%M} | {r['due']} | {r['wall']:.1f} s | "
            f"{r['cpu']:.1f} s / {r['prom_cpu']:.1f} s | {r['rows']:,} |"
        )
    lines += [
        "",
        "| Measure | Value | Target | Result |",
        "|---|---:|---:|:---:|",
        f"| hourly run (median of the runs after the first) | {median:.1f} s | "
        f"< {TARGET_S:.0f} s | {'PASS' if median < TARGET_S else 'FAIL'} |",
        f"| first run (writes the catalog) | {first['wall']:.1f} s | | |",
        f"| every SLO stored up to its run's now | {'yes' if complete else 'no'} | yes | "
        f"{'PASS' if complete else 'FAIL'} |",
        "",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Set up, run, print and (unless --no-write) record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--work", type=Path, help="keep the runs' directory here (logs, Dagster)")
    args = parser.parse_args(argv)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        o = bench(args.slos, args.runs, args.work)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            o = bench(args.slos, args.runs, Path(tmp))
    publish(SECTION, render(o, args.slos), write=not args.no_write)
    os._exit(0)  # the Prometheus child is stopped; skip the interpreter's teardown


if __name__ == "__main__":
    main()
