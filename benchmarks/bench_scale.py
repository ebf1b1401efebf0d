"""Scale: the daily run's warehouse work for 10,000 SLOs x 30 days, on SQLite and on a real
PostgreSQL 15 started for the run (issue 17).

    .venv/bin/python benchmarks/bench_scale.py [--slos 10000] [--days 30] [--no-write]

A warehouse is filled with ``--days`` days of 5-minute events for ``--slos`` SLOs (written
day by day through the collection's own write, events and daily roll-ups in one transaction;
untimed). Then the daily run's steps for the next day are timed, each in a fresh child process
that reports its peak RSS:

- collection write: the day's events and roll-ups (``write_collected``, as ``sli_events``);
- ``slo_status``: ``warehouse.status_run.run_status`` (roll-ups for the period, buckets only
  from a few days back);
- ``burn_alerts``: the episodes starting that day (``warehouse.episodes_run.run_episodes``:
  the buckets the alert windows need, the days between from the roll-ups);
- ``check_sli_events``: the Great Expectations suite over the day's events, as the step
  hands them over (no read-back); GX's import is timed apart (``gx_import_s``): in the run it
  happens in the GX worker while the collection runs.

Prometheus is not in this benchmark: querying it is the collector's, measured in its own
section (500 SLOs x 7 days in about 2 s). Results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from perfdoc import write_section  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sre_pipeline.slo.budget.daily import collected_rollups, day_bounds  # noqa: E402
from sre_pipeline.slo.model import SLI, SLO, Source  # noqa: E402
from sre_pipeline.slo.periods import Period  # noqa: E402
from sre_pipeline.slo.windows import google_windows  # noqa: E402
from sre_pipeline.warehouse import schema as tables  # noqa: E402
from sre_pipeline.warehouse.collected import write_collected  # noqa: E402
from sre_pipeline.warehouse.engine import make_engine  # noqa: E402
from sre_pipeline.warehouse.episodes_run import run_episodes  # noqa: E402
from sre_pipeline.warehouse.migrate import upgrade  # noqa: E402
from sre_pipeline.warehouse.reads import read_events  # noqa: E402
from sre_pipeline.warehouse.status_run import run_status  # noqa: E402

HEADING = "## Scale: 10,000 SLOs x 30 days, the daily run's warehouse work (issue 17)"
TZ = "UTC"
WIDTH = timedelta(minutes=5)
DAY = date(2026, 11, 30)  # the day the daily run collects and evaluates
LOOKBACK = 35
TARGET_S, TARGET_MB = 60.0, 2048


def slos(n: int) -> list[SLO]:
    """``n`` events SLOs, 30-day rolling, Google windows; every tenth 28 days, every
    twentieth a calendar month."""
    out = []
    for i in range(n):
        period = Period.rolling(timedelta(days=28 if i % 10 == 3 else 30))
        if i % 20 == 7:
            period = Period.calendar("month", "UTC")
        out.append(
            SLO(
                id=f"svc{i:05d}-availability",
                service=f"svc{i:05d}",
                name="availability",
                objective=0.999,
                period=period,
                sli=SLI(
                    kind="events", good_query="g[{{ .window }}]", total_query="t[{{ .window }}]"
                ),
                windows=google_windows(period.nominal),
                source=Source(format="native", file="bench", document=1),
            )
        )
    return out


def day_events(ids: list[str], day: date, seed: int) -> pd.DataFrame:
    """One day of 5-minute buckets for every SLO: Poisson traffic, 0.1 % errors."""
    rng = np.random.default_rng(seed)
    start = day_bounds(day, TZ)[0]
    stamps = pd.date_range(start, periods=288, freq="5min")
    n = len(ids)
    total = rng.poisson(600, n * 288).astype(float)
    bad = rng.binomial(total.astype(np.int64), 0.001).astype(float)
    return pd.DataFrame(
        {
            "slo": pd.Categorical(np.repeat(ids, 288), categories=ids),
            "bucket_start": np.tile(stamps, n),
            "good": total - bad,
            "total": total,
        }
    )


def collect_day(engine, catalog: list[SLO], day: date, seed: int) -> float:
    """Write one day as the ``sli_events`` asset does; returns seconds."""
    ids = [s.id for s in catalog]
    frame = day_events(ids, day, seed)
    window = day_bounds(day, TZ)
    t0 = time.perf_counter()
    rollups = collected_rollups(frame, catalog, [day], TZ, window, WIDTH)
    write_collected(
        engine,
        tables.sli_events,
        frame,
        window,
        "bucket_start",
        "slo",
        ids,
        companions=[(tables.slo_daily, rollups, "day_start")],
    )
    return time.perf_counter() - t0


def step(url: str, n: int, name: str) -> dict:
    """One timed step of the daily run (in this process; the parent runs it in a child)."""
    catalog = slos(n)
    engine = make_engine(url)
    extra = {}
    if name == "check_sli_events":  # GX imports in the run's GX worker, beside the collection
        from sre_pipeline.quality.gx_runner import warm_up

        t0 = time.perf_counter()
        warm_up()
        extra["gx_import_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    if name == "collection write":
        collect_day(engine, catalog, DAY, seed=10_000)
    elif name == "slo_status":
        run = run_status(engine, catalog, [DAY], TZ, WIDTH, LOOKBACK)
        extra = {
            "from_rollups": len(run.from_rollups),
            "from_buckets": len(run.from_buckets),
            "bucket_rows_read": len(run.events),
            "status_rows": len(run.status),
            "nan_budgets": int(run.status["budget_remaining"].isna().sum()),
        }
    elif name == "burn_alerts":
        # as the asset runs it just after the day: its data end is the day's end
        end = day_bounds(DAY, TZ)[1]
        run = run_episodes(engine, catalog, [DAY], TZ, WIDTH, end + timedelta(minutes=30))
        extra = {
            "episodes": len(run.episodes),
            "bucket_rows_read": run.rows_read,
            "rolled": len(run.plan.rolled),
            "holes": len(run.plan.holes),
        }
    elif name == "keep checks":  # setup of the weekly steps, untimed
        extra["keep_checks_s"] = keep_checks(engine, catalog)
    elif name in WEEKLY:
        from sre_pipeline.quality.report import quality_report

        if name == "weekly quality, nothing kept":
            with engine.begin() as conn:
                conn.execute(tables.quality_results.delete())
        t0 = time.perf_counter()  # GX's import included: the weekly run pays it too
        now = day_bounds(DAY, TZ)[0] + timedelta(minutes=30)  # as the review: the week settled
        report = quality_report(engine, quality_inputs(catalog), WEEK, now)
        extra = {"runs": len(report.runs), "failed": len(report.failed), "rows": report.events_rows}
    elif name == "check_sli_events":
        from sre_pipeline.quality.suites import events_suite

        # the frame the collection step hands over (defs.handoff): no read-back
        start, end = day_bounds(DAY, TZ)
        frame = day_events([s.id for s in catalog], DAY, seed=10_000)
        suite = events_suite(
            frame,
            [s.id for s in catalog],
            300,
            start,
            end,
            now=end + pd.Timedelta("30min"),
            coverage_threshold=0.95,
            freshness=timedelta(minutes=30),
        )
        extra.update(errors=len(suite.errors), rows=suite.rows)
    seconds = time.perf_counter() - t0
    engine.dispose()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": rss_mb, **extra}


STEPS = ("collection write", "slo_status", "burn_alerts", "check_sli_events")
# the review's data-quality section of the week before DAY: from the results the daily checks
# kept, and (for comparison) validating every day again as when nothing is kept
WEEKLY = ("weekly quality", "weekly quality, nothing kept")
WEEK = [DAY - timedelta(days=k) for k in range(7, 0, -1)]
TARGET_WEEKLY_S = 60.0


def quality_inputs(catalog: list[SLO]):
    """What the checks and the weekly section judge the events against."""
    from sre_pipeline.quality.report import QualityInputs

    return QualityInputs([s.id for s in catalog], sorted({s.service for s in catalog}), {}, 300)


def keep_checks(engine, catalog: list[SLO]) -> float:
    """Each day of WEEK checked as its status run's check does just after the day (the
    result kept with its fingerprint); seconds taken (untimed setup)."""
    from sre_pipeline.quality.report import events_day, keep_events_day

    inputs = quality_inputs(catalog)
    t0 = time.perf_counter()
    for day in WEEK:
        start, end = day_bounds(day, TZ)
        now = end + timedelta(minutes=30)
        events = read_events(engine, start, end)
        result, partial = events_day(events, inputs, day, now)
        keep_events_day(engine, inputs, day, now, result, partial)
    return time.perf_counter() - t0


def fill(url: str, catalog: list[SLO], days: int) -> dict:
    """The history before DAY, day by day through the collection's write (untimed)."""
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    for k in range(days, 0, -1):
        collect_day(engine, catalog, DAY - timedelta(days=k), seed=k)
    seconds = time.perf_counter() - t0
    engine.dispose()
    rows = len(catalog) * 288 * days
    return {"fill_s": seconds, "fill_rows": rows}


def bench(url: str, n: int, days: int) -> dict:
    """Fill, then each step in a fresh child process."""
    out = fill(url, slos(n), days)
    out["measured"] = f"{pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC"
    # the week's checks in a child too: a child's peak RSS starts at its parent's
    for name in ("keep checks",) + STEPS + WEEKLY:
        done = subprocess.run(
            [sys.executable, __file__, "--child", url, "--slos", str(n), "--step", name],
            capture_output=True,
            text=True,
            check=True,
        )
        out[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def render(results: dict, n: int, days: int) -> str:
    """The Markdown section."""
    import sqlalchemy as sa

    lines = [
        HEADING,
        "",
        "Measured "
        + ", ".join(
            f"{name} {r.get('measured', '(time not recorded)')}"
            for name, r in (
                ("SQLite", results.get("sqlite")),
                ("PostgreSQL", results.get("postgresql")),
            )
            if r is not None
        )
        + f" on {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}); Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, SQLite {__import__('sqlite3').sqlite_version}, "
        "PostgreSQL 15 (the test server: fsync off).",
        "Reproduce: `.venv/bin/python benchmarks/bench_scale.py` (starts its own PostgreSQL; "
        "`--slos`/`--days` for a smaller run).",
        "",
        f"Workload: {n:,} SLOs (30-day rolling; every tenth 28 days, every twentieth a "
        f"calendar month; Google windows) with {days} days of 5-minute events stored "
        f"({n * 288 * days:,} rows, written day by day with their roll-ups, as collections "
        "write them). Then the daily run's steps for the next day, each in a fresh process "
        "(its peak RSS includes the interpreter and pandas).",
        "",
        "| Step | SQLite | PostgreSQL |",
        "|---|---:|---:|",
    ]
    s, p = results.get("sqlite"), results.get("postgresql")

    def cell(r, name):
        if r is None:
            return "-"
        x = r[name]
        return f"{x['seconds']:.1f} s, {x['peak_rss_mb']:,.0f} MB"

    for name in STEPS:
        lines.append(f"| {name} | {cell(s, name)} | {cell(p, name)} |")
    totals = {}
    for db, r in (("sqlite", s), ("postgresql", p)):
        if r is not None:
            totals[db] = (
                sum(r[k]["seconds"] for k in STEPS),
                max(r[k]["peak_rss_mb"] for k in STEPS),
            )

    def total(db):
        if db not in totals:
            return "-"
        return f"**{totals[db][0]:.1f} s**, peak {totals[db][1]:,.0f} MB"

    lines.append(
        "| daily run, warehouse work (sum; peak of the steps) | "
        f"{total('sqlite')} | {total('postgresql')} |"
    )
    for name in WEEKLY:
        if all(r is None or name in r for r in (s, p)):
            lines.append(f"| {name} (the week before) | {cell(s, name)} | {cell(p, name)} |")
    ok = all(t <= TARGET_S and m <= TARGET_MB for t, m in totals.values())
    weekly = [r["weekly quality"]["seconds"] for r in (s, p) if r and "weekly quality" in r]
    lines += [
        "",
        f"Target: the daily run under {TARGET_S:.0f} s and {TARGET_MB:,} MB: "
        f"**{'PASS' if ok else 'FAIL'}** (without Prometheus' own query time).",
        f"Target: the weekly data-quality section under {TARGET_WEEKLY_S:.0f} s: "
        + (
            f"**{'PASS' if weekly and max(weekly) <= TARGET_WEEKLY_S else 'FAIL'}**"
            if weekly
            else "not measured"
        )
        + ".",
        "",
    ]
    for db, r in (("SQLite", s), ("PostgreSQL", p)):
        if r is None:
            continue
        st = r["slo_status"]
        lines.append(
            f"- {db}: history filled in {r['fill_s']:.0f} s ({r['fill_rows'] / r['fill_s']:,.0f} "
            f"rows/s with roll-ups); `slo_status` took {st['from_rollups']:,} SLOs from roll-ups "
            f"and {st['from_buckets']:,} from buckets, read {st['bucket_rows_read']:,} bucket rows "
            f"(instead of {n * 288 * (LOOKBACK + 1):,} over the look-back), wrote "
            f"{st['status_rows']:,} rows, {st['nan_budgets']} without a budget; GX's import "
            f"before the check took {r['check_sli_events'].get('gx_import_s', 0):.1f} s, not "
            "counted above (in the run it happens in the GX worker while the collection runs)."
        )
        if "weekly quality" in r:
            wk, again = r["weekly quality"], r["weekly quality, nothing kept"]
            lines.append(
                f"- {db}: the weekly section of {len(WEEK)} days ({wk['rows']:,} event rows, "
                f"{wk['runs']} check runs, {wk['failed']} failed) from the results the daily "
                f"checks kept ({r['keep checks']['keep_checks_s']:.0f} s for the 7 checks, "
                "untimed): "
                f"{wk['seconds']:.1f} s; validating every day again: {again['seconds']:.1f} s."
            )
        ba = r["burn_alerts"]
        if "rolled" in ba:
            lines.append(
                f"- {db}: `burn_alerts` read {ba['bucket_rows_read']:,} bucket rows (instead "
                f"of {n * 288 * 5:,} over five days): {ba['rolled']:,} SLOs took "
                f"{ba['holes']} day(s) between their alert windows from roll-ups; "
                f"{ba['episodes']:,} episodes."
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Fill and time on SQLite and PostgreSQL; print and (unless --no-write) record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(step(args.child, args.slos, args.step)))
        return
    from sre_pipeline_tests.services.postgres import start_postgres

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sqlite"):
            results["sqlite"] = bench(f"sqlite:///{tmp}/scale.db", args.slos, args.days)
            print(json.dumps(results["sqlite"]), flush=True)
        if args.only in (None, "postgresql"):
            server = start_postgres(Path(tmp))
            try:
                url = server.create_database("scale")
                results["postgresql"] = bench(url, args.slos, args.days)
                print(json.dumps(results["postgresql"]), flush=True)
            finally:
                server.stop()
    # --only measures one engine: the other's last figures for the same workload (kept in
    # benchmarks/.cache, never committed) complete the table
    cache = ROOT / "benchmarks" / ".cache" / f"bench_scale-{args.slos}x{args.days}.json"
    if args.only and cache.exists():
        results = {**json.loads(cache.read_text()), **results}
    if not args.no_write:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(results))
    text = render(results, args.slos, args.days)
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
