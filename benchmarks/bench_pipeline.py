"""Pipeline benchmark: the demo end to end in a cold process, and the status asset at scale.

    .venv/bin/python benchmarks/bench_pipeline.py [--slos 2000] [--days 30] [--no-write]

1. ``sre-pipeline demo`` as installed, in a fresh process: wall time and peak RSS (target:
   under 60 s on this machine).
2. Scale: ``--slos`` SLOs with ``--days`` days of 5-minute events written into a SQLite
   warehouse, then the ``slo_status`` asset materialised for the last day (it reads the whole
   SLO period before it): wall time, rows read, peak RSS of that process.
"""

from __future__ import annotations

import argparse
import json
import os
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
HEADING = "## Pipeline: the demo end to end and the status asset at scale (issue 5)"
END = date(2026, 11, 16)


def bench_demo(home: Path) -> dict:
    """The console script in a cold process (installed package, in-process executor)."""
    cli = Path(sys.executable).parent / "sre-pipeline"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_PIPELINE", "DAGSTER"))}
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(cli), "demo", "--output-dir", str(home), "--end", END.isoformat()],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "peak_mb": peak_kb / 1024}


def write_specs(path: Path, n: int) -> None:
    """``n`` native SLOs in one file per 10 services."""
    path.mkdir(parents=True, exist_ok=True)
    for s in range(0, n, 10):
        lines = ["apiVersion: sre-pipeline/v1", f"service: {{name: svc{s:04d}}}", "slos:"]
        for i in range(s, min(n, s + 10)):
            lines += [
                f"  - name: slo{i:04d}",
                f"    objective: {[99, 99.5, 99.9, 99.95][i % 4]}",
                f"    period: {[30, 28, 7][i % 3]}d",
                "    sli:",
                "      events:",
                f'        good: sum(rate(ok{{i="{i}"}}[{{{{ .window }}}}]))',
                f'        total: sum(rate(all{{i="{i}"}}[{{{{ .window }}}}]))',
            ]
        (path / f"svc{s:04d}.yaml").write_text("\n".join(lines) + "\n")


def scale_child(args) -> None:
    """In a fresh process: fill the warehouse, then time the status asset; print JSON."""
    import dagster as dg

    from sre_pipeline.config import load_config
    from sre_pipeline.defs.catalog_asset import catalog_rows
    from sre_pipeline.defs.factory import build_defs
    from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
    from sre_pipeline.slo.spec.loader import load_catalog
    from sre_pipeline.warehouse.engine import make_engine
    from sre_pipeline.warehouse.migrate import upgrade
    from sre_pipeline.warehouse.schema import sli_events, slo_catalog
    from sre_pipeline.warehouse.writes import Slice, replace_slice

    work = Path(args.work)
    write_specs(work / "slos", args.slos)
    catalog = load_catalog([work / "slos"])
    ids = catalog.ids
    url = f"sqlite:///{work / 'warehouse.db'}"
    engine = make_engine(url)
    upgrade(engine)
    # the status asset reads the stored catalog, as slo_catalog writes it
    replace_slice(engine, slo_catalog, catalog_rows(catalog), Slice())
    rng = np.random.default_rng(5)
    t0 = time.perf_counter()
    rows = 0
    for d in range(args.days):
        day = pd.Timestamp(END - timedelta(days=args.days - d), tz="UTC")
        starts = pd.date_range(day, periods=288, freq="5min")
        total = rng.poisson(500, len(ids) * 288).astype(float)
        frame = pd.DataFrame(
            {
                "slo": np.repeat(ids, 288),
                "bucket_start": np.tile(starts, len(ids)),
                "good": total - rng.binomial(total.astype(np.int64), 0.0005),
                "total": total,
            }
        )
        replace_slice(
            engine, sli_events, frame, Slice("bucket_start", day, day + pd.Timedelta(days=1))
        )
        rows += len(frame)
    write_s = time.perf_counter() - t0
    engine.dispose()
    resources = {
        "settings": PipelineSettings(slos=[str(work / "slos")], capacity=None),
        "warehouse": WarehouseResource(url=url),
    }
    config = load_config().model_copy(
        update={
            "slos": [str(work / "slos")],
            "capacity": None,
            "warehouse_url": url,
            "start_date": END - timedelta(days=args.days),
        }
    )
    defs = build_defs(config, resources=resources)
    slo_status = next(a for a in defs.assets if dg.AssetKey("slo_status") in a.keys)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    last_day = (END - timedelta(days=1)).isoformat()
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [slo_status], partition_key=last_day, resources=resources, instance=instance
        )
    status_s = time.perf_counter() - t0
    assert result.success
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {
        "slos": len(ids),
        "event_rows": rows,
        "write_s": write_s,
        "status_s": status_s,
        "peak_mb": peak / 1024,
        "before_mb": before / 1024,
    }
    print(json.dumps(figures))


def main(argv=None) -> None:
    """Run both measurements, print the Markdown section and record it."""
    from sre_pipeline.defs.partitions import lookback_days
    from sre_pipeline.slo.spec.loader import load_catalog

    LOOKBACK_DAYS = lookback_days(load_catalog([ROOT / "examples" / "slos"]).slos)  # noqa: N806

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        scale_child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        demo = bench_demo(Path(tmp) / "demo")
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--work",
                tmp,
                "--slos",
                str(args.slos),
                "--days",
                str(args.days),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        scale = json.loads(child.stdout.strip().splitlines()[-1])
    text = "\n".join(
        [
            HEADING,
            "",
            f"Measured {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC on this machine "
            f"({os.cpu_count()} cores). "
            "Reproduce: `.venv/bin/python benchmarks/bench_pipeline.py`.",
            "",
            "| Measure | Value | Target | Result |",
            "|---|---:|---:|:---:|",
            f"| `sre-pipeline demo` (18 SLOs, 28 days + {LOOKBACK_DAYS} days of look-back, whole "
            "graph incl. incidents and the 7-day data-quality summary (GX import), cold "
            f"process): wall | {demo['wall_s']:.1f} s | < 60 s | "
            f"{'PASS' if demo['wall_s'] < 60 else 'FAIL'} |",
            f"| - peak RSS of the demo process | {demo['peak_mb']:.0f} MB | | |",
            f"| Scale: {scale['slos']:,} SLOs, {scale['event_rows']:,} event rows written "
            f"({args.days} days, SQLite) | {scale['write_s']:.1f} s | | |",
            f"| - `slo_status` asset for the last day (reads the whole period before it) | "
            f"{scale['status_s']:.1f} s | | |",
            f"| - peak RSS of that process (before the asset: {scale['before_mb']:.0f} MB) | "
            f"{scale['peak_mb']:.0f} MB | | |",
            "",
            "Notes: the demo runs the code location's own jobs in process: the catalog; the "
            f"collection of {28 + LOOKBACK_DAYS} days and the status and episodes of 28 days in "
            "back-fill chunks of up to 14 days (5 + 2 runs), each with its blocking checks "
            "evaluated per day; incidents and the five SQL models; then the data-quality summary "
            "of its last 7 days (about 2 s of it is the Great Expectations import). "
            "In the scale run most of the status asset's "
            "time is reading 17.3 M event rows back from SQLite through the driver cursor (in "
            "chunks of 500,000 rows); the evaluation itself is about 2 s at this size (see the "
            "core "
            "section). A daily run at this scale therefore costs about a minute on SQLite; "
            "PostgreSQL or a catalog without long periods shortens it.",
            "",
        ]
    )
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
