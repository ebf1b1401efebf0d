"""Warehouse benchmark: bulk slice writes and the weekly SLO summary model, on SQLite and on a
real PostgreSQL 15 started for the run.

    .venv/bin/python benchmarks/bench_warehouse.py [--slos 2000] [--days 30] [--no-write]

Measures (issue 4): one day of events for 2,000 SLOs (576,000 rows) written into an empty day
and re-written over itself, in rows per second, and the weekly SLO summary model (with its
staging model) over 2,000 SLOs x 30 days of daily status. Results go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from perfdoc import write_section  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sre_pipeline.warehouse.engine import make_engine  # noqa: E402
from sre_pipeline.warehouse.migrate import upgrade  # noqa: E402
from sre_pipeline.warehouse.models import discover  # noqa: E402
from sre_pipeline.warehouse.schema import sli_events, slo_catalog, slo_status  # noqa: E402
from sre_pipeline.warehouse.writes import Slice, replace_slice  # noqa: E402
from sre_pipeline_tests.services.postgres import start_postgres  # noqa: E402

HEADING = "## Warehouse: slice writes and the weekly summary (issue 4)"
DAY = pd.Timestamp("2026-11-01T00:00Z")
TARGETS = {"sqlite": 100_000, "postgresql": 200_000}
SUMMARY_TARGET_S = 10.0


def events_day(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """One day of 5-minute buckets for ``n`` SLOs."""
    starts = pd.date_range(DAY, periods=288, freq="5min")
    total = rng.poisson(3000, n * 288).astype(float)
    return pd.DataFrame(
        {
            "slo": np.repeat([f"svc{i:04d}-availability" for i in range(n)], 288),
            "bucket_start": np.tile(starts, n),
            "good": total - rng.binomial(total.astype(np.int64), 0.001),
            "total": total,
        }
    )


def catalog(n: int) -> pd.DataFrame:
    """Catalog rows for the benchmark SLOs."""
    return pd.DataFrame(
        {
            "slo": [f"svc{i:04d}-availability" for i in range(n)],
            "service": [f"svc{i:04d}" for i in range(n)],
            "name": "availability",
            "description": "",
            "owner": [f"owner{i % 40}" for i in range(n)],
            "team": [f"team{i % 12}" for i in range(n)],
            "objective": 0.999,
            "period": "30d",
            "sli_kind": "events",
            "budgeting": "occurrences",
            "window_set": "google",
            "aspirational": False,
            "labels": [{} for _ in range(n)],
            "source_format": "native",
            "source_file": "bench",
        }
    )


def status_days(n: int, days: int, rng: np.random.Generator) -> pd.DataFrame:
    """Daily status rows for ``n`` SLOs over ``days`` days."""
    first = date(2026, 10, 5)
    day = np.array([first + timedelta(days=d) for d in range(days)], dtype=object)
    rows = n * days
    remaining = rng.uniform(-0.5, 1.0, rows)
    frame = pd.DataFrame(
        {
            "slo": np.repeat([f"svc{i:04d}-availability" for i in range(n)], days),
            "day": np.tile(day, n),
            "week_start": [d - timedelta(days=d.weekday()) for d in np.tile(day, n)],
            "at": pd.Timestamp("2026-10-06T00:00Z"),
            "objective": 0.999,
            "period": "30d",
            "attainment": 1 - 0.001 * (1 - remaining),
            "budget_remaining": remaining,
            "budget_remaining_events": remaining * 1000,
            "budget_remaining_minutes": remaining * 43.2,
            "time_to_exhaustion_hours": rng.uniform(0, 2000, rows),
            "escalation": rng.choice(
                np.array([None, "ticket", "page"], dtype=object), rows, p=[0.9, 0.07, 0.03]
            ),
            "policy_tier": np.where(remaining > 0.5, "normal", "slow_down"),
            "coverage": 1.0,
            "events_total": 8.64e5,
            "events_bad": 500.0,
            "good_gt_total_buckets": 0,
            "aspirational": False,
            "alerts": [[] for _ in range(rows)],
        }
    )
    for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period"):
        frame[f"burn_rate_{w}"] = rng.uniform(0, 2, rows)
    return frame


def bench(url: str, n: int, days: int) -> dict:
    """Write, re-write and summarise on one database; returns the figures."""
    rng = np.random.default_rng(4)
    engine = make_engine(url)
    upgrade(engine)
    ev = events_day(n, rng)
    where = Slice("bucket_start", DAY, DAY + pd.Timedelta(days=1))
    t0 = time.perf_counter()
    replace_slice(engine, sli_events, ev, where)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = replace_slice(engine, sli_events, ev, where)
    rewrite = time.perf_counter() - t0
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(sli_events)).scalar()
    assert count == len(ev) and again.deleted == len(ev), "rewrite must replace, not append"
    replace_slice(engine, slo_catalog, catalog(n), Slice())
    status = status_days(n, days, rng)
    replace_slice(engine, slo_status, status, Slice("day"))
    graph = discover()
    t0 = time.perf_counter()
    runs = graph.run(
        engine, {"as_of": date(2026, 11, 4)}, select=["stg_slo_status", "weekly_slo_summary"]
    )
    summary = time.perf_counter() - t0
    engine.dispose()
    return {
        "rows": len(ev),
        "first_s": first,
        "rewrite_s": rewrite,
        "first_rps": len(ev) / first,
        "rewrite_rps": len(ev) / rewrite,
        "status_rows": len(status),
        "summary_s": summary,
        "summary_rows": {r.name: r.rows for r in runs},
        "summary_model_s": {r.name: r.seconds for r in runs},
    }


def render(results: dict, n: int, days: int) -> str:
    """The Markdown section."""
    lines = [
        HEADING,
        "",
        f"Measured {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC on this machine "
        f"({platform.machine()}, {os.cpu_count()} cores); Python "
        f"{platform.python_version()}, SQLAlchemy {sa.__version__}, SQLite "
        f"{__import__('sqlite3').sqlite_version}, PostgreSQL 15 (fsync off, test server).",
        "Reproduce: `.venv/bin/python benchmarks/bench_warehouse.py` (starts its own PostgreSQL).",
        "",
        f"Workload: {n:,} SLOs x 288 five-minute buckets = {n * 288:,} event rows written into "
        "an empty day, then re-written over itself (delete the day's slice, insert, one "
        f"transaction); the weekly SLO summary (with its staging model) over {n:,} SLOs x "
        f"{days} days of daily status.",
        "",
        "| Measure | SQLite | PostgreSQL | Target | Result |",
        "|---|---:|---:|---|:---:|",
    ]
    s, p = results["sqlite"], results["postgresql"]
    for key, label in (("first_rps", "write into an empty day"), ("rewrite_rps", "re-write")):
        ok = s[key] >= TARGETS["sqlite"] and p[key] >= TARGETS["postgresql"]
        lines.append(
            f"| {label}, rows/s | {s[key]:,.0f} ({s[key.replace('rps', 's')]:.2f} s) | "
            f"{p[key]:,.0f} ({p[key.replace('rps', 's')]:.2f} s) | >= 100,000 / >= 200,000 | "
            f"{'PASS' if ok else 'FAIL'} |"
        )
    ok = max(s["summary_s"], p["summary_s"]) < SUMMARY_TARGET_S
    lines.append(
        f"| weekly SLO summary over {s['status_rows']:,} status rows | {s['summary_s']:.2f} s | "
        f"{p['summary_s']:.2f} s | < 10 s | {'PASS' if ok else 'FAIL'} |"
    )
    lines += [
        "",
        f"Summary rows: {s['summary_rows']} (SQLite) / {p['summary_rows']} (PostgreSQL). Writes "
        "use binary COPY on PostgreSQL and batched executemany on SQLite; the events table's "
        "primary key is (bucket_start, slo), the only index to maintain.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run on SQLite and PostgreSQL, print and (unless --no-write) record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = {"sqlite": bench(f"sqlite:///{tmp}/bench.db", args.slos, args.days)}
        server = start_postgres(Path(tmp))
        try:
            results["postgresql"] = bench(server.create_database("bench"), args.slos, args.days)
        finally:
            server.stop()
    text = render(results, args.slos, args.days)
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
