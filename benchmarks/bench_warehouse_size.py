"""Warehouse size per SLO-year: bytes per row of ``sli_events`` and ``slo_status`` measured on
SQLite and on a real PostgreSQL 15 started for the run, times the rows one SLO adds a year.

    .venv/bin/python benchmarks/bench_warehouse_size.py [--copies 4] [--days 28] [--no-write]

Rows are the pipeline's own: the example catalog's 18 SLOs (every SLI kind) simulated by the
demo history over ``--days`` days, the events written with the warehouse's slice writer and
the daily status computed from them by the status code, each repeated under ``--copies``
renamed ids to fill enough pages. Sizes include the primary key and every index (SQLite:
``dbstat`` after ``VACUUM``; PostgreSQL: ``pg_total_relation_size`` after ``VACUUM ANALYZE``).
Results go to docs/performance.md (issue 17); docs/operations.md "Sizing" quotes them.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from perfdoc import write_section  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sre_pipeline.demo.history import simulate, truth_frame  # noqa: E402
from sre_pipeline.demo.plan import load_plan  # noqa: E402
from sre_pipeline.slo.budget.daily import daily_status  # noqa: E402
from sre_pipeline.slo.spec.loader import load_catalog  # noqa: E402
from sre_pipeline.warehouse.engine import make_engine  # noqa: E402
from sre_pipeline.warehouse.migrate import upgrade  # noqa: E402
from sre_pipeline.warehouse.schema import sli_events, slo_status  # noqa: E402
from sre_pipeline.warehouse.writes import Slice, replace_slice  # noqa: E402
from sre_pipeline_tests.services.postgres import start_postgres  # noqa: E402

HEADING = "## Warehouse size per SLO-year (issue 17)"
END = pd.Timestamp("2026-11-01T00:00Z")
WIDTH = timedelta(minutes=5)
ROWS_PER_YEAR = {"sli_events": 365 * 24 * 12, "slo_status": 365}  # 5-minute buckets; days


def rows(copies: int, days: int) -> dict[str, pd.DataFrame]:
    """Events of the example catalog ``copies`` times under renamed ids, and their daily
    status ``10 * copies`` times."""
    slos = load_catalog([str(ROOT / "examples" / "slos")]).slos
    start = END - pd.Timedelta(days=days)
    events = truth_frame(simulate(slos, start, END, load_plan()))
    first = start.date()
    status = daily_status(events, slos, [first + timedelta(n) for n in range(days)], "UTC", WIDTH)
    out = {}
    # ten times as many status copies: a day is one row, not 288, and pages must fill
    for name, frame, n in (("sli_events", events, copies), ("slo_status", status, 10 * copies)):
        parts = []
        for k in range(n):
            part = frame.copy()
            part["slo"] = part["slo"].astype(str) + ("" if k == 0 else f"-{k}")
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def load(url: str, data: dict[str, pd.DataFrame]) -> sa.Engine:
    """A new warehouse at ``url`` (the pipeline's migrations) holding ``data``."""
    engine = make_engine(url)
    upgrade(engine)
    replace_slice(
        engine, sli_events, data["sli_events"], Slice("bucket_start", END - pd.Timedelta(days=400))
    )
    replace_slice(engine, slo_status, data["slo_status"], Slice("day", date(2000, 1, 1)))
    return engine


def sqlite_sizes(path: Path) -> dict[str, int]:
    """Bytes of each table with its indexes, from SQLite's ``dbstat`` after ``VACUUM``."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("VACUUM")
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0) + size
        return sizes
    finally:
        conn.close()


def postgres_sizes(engine: sa.Engine) -> dict[str, int]:
    """``pg_total_relation_size`` (heap, TOAST, indexes) of each table after VACUUM ANALYZE."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        sizes = {}
        for table in ROWS_PER_YEAR:
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))
            sizes[table] = conn.execute(
                sa.text("SELECT pg_total_relation_size(:t)"), {"t": table}
            ).scalar_one()
        return sizes


def measure(copies: int, days: int) -> dict:
    """Load the same rows into SQLite and PostgreSQL; bytes per row of each table."""
    data = rows(copies, days)
    counts = {name: len(frame) for name, frame in data.items()}
    ids = data["sli_events"]["slo"].drop_duplicates()
    result = {"counts": counts, "slos": len(ids), "id_chars": ids.str.len().mean()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "size.db"
        load(f"sqlite:///{path}", data).dispose()
        result["sqlite"] = sqlite_sizes(path)
        server = start_postgres(Path(tmp))
        try:
            engine = load(server.create_database("size"), data)
            result["postgresql"] = postgres_sizes(engine)
            engine.dispose()
        finally:
            server.stop()
    return result


def render(r: dict, copies: int, days: int) -> str:
    """The Markdown section."""
    counts = r["counts"]
    lines = [
        HEADING,
        "",
        f"Measured {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC on this machine "
        f"({platform.machine()}, {os.cpu_count()} cores); Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, SQLite {sqlite3.sqlite_version}, PostgreSQL 15.",
        "Reproduce: `.venv/bin/python benchmarks/bench_warehouse_size.py` (starts its own "
        "PostgreSQL).",
        "",
        f"Workload: the example catalog (18 SLOs, every SLI kind) x {copies} renamed copies = "
        f"{r['slos']} SLOs; {days} days of demo history, {counts['sli_events']:,} `sli_events` "
        f"rows written by the slice writer; {counts['slo_status']:,} `slo_status` rows (the "
        f"status code's own for those days, with their alerts JSON, x {10 * copies}). Sizes "
        "include the primary key and indexes (SQLite: `dbstat` after `VACUUM`; PostgreSQL: "
        "`pg_total_relation_size` after `VACUUM ANALYZE`, freshly loaded, so without the dead "
        "rows of re-written days).",
        "",
        "| Table | rows per SLO-year | SQLite bytes/row | PostgreSQL bytes/row | SQLite per "
        "SLO-year | PostgreSQL per SLO-year |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    totals = {"sqlite": 0.0, "postgresql": 0.0}
    for table, per_year in ROWS_PER_YEAR.items():
        cells = []
        for db in ("sqlite", "postgresql"):
            per_row = r[db][table] / counts[table]
            totals[db] += per_row * per_year
            cells.append(per_row)
        lines.append(
            f"| `{table}` | {per_year:,} | {cells[0]:.0f} | {cells[1]:.0f} | "
            f"{cells[0] * per_year / 1e6:.1f} MB | {cells[1] * per_year / 1e6:.1f} MB |"
        )
    lines += [
        f"| **together** | | | | **{totals['sqlite'] / 1e6:.1f} MB** | "
        f"**{totals['postgresql'] / 1e6:.1f} MB** |",
        "",
        "Rows per SLO-year: one `sli_events` row per 5-minute bucket (288 a day; a scrape gap "
        "stores none), one `slo_status` row per day. Every row holds its SLO id (here "
        f"{r['id_chars']:.0f} characters on average; each character more adds about a byte a "
        "row). The other tables (daily roll-ups, alert episodes, capacity, incidents, the "
        "weekly marts) add a few percent at most.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure, print and (unless --no-write) record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    text = render(measure(args.copies, args.days), args.copies, args.days)
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
