"""Capacity benchmark: status and forecasts for 5,000 resources x 28 days of samples.

    .venv/bin/python benchmarks/bench_capacity.py [--resources 5000] [--no-write]

1. Domain, in memory: ``--resources`` resources with 5-minute samples over the 28-day
   look-back plus the week before it (35 days, 50 million samples for 5,000), rolled up a day
   at a time (``daily_figures``, what ``capacity_daily`` does), then the status and forecasts
   of the last day for every resource (``status_frame``), and of all 28 days at once (a
   back-fill's range run).
2. The assets on a SQLite warehouse, in a fresh process: the last day's samples stored, the 34
   days before it as stored roll-ups; ``capacity_daily`` then ``capacity_status`` materialised
   for that day with ``dg.materialize``, what the daily status run does.

Target (issue 12): status and forecasts of a day under 10 s.
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
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from perfdoc import write_section  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Capacity: status and forecasts for 5,000 resources x 28 days (issue 12)"
LAST = date(2026, 11, 30)
DAYS = 35  # the 28-day look-back and the week before it (week-over-week growth)
STEP = pd.Timedelta(minutes=5)
TARGET_S = 10.0


class Fleet:
    """Seeded resources: a base load, a daily cycle, a trend per day and noise; 1 in 20
    overrides its thresholds, 1 in 50 sits above 90 % the whole time (a long run above the
    emergency threshold, whose "since" is followed back past the look-back)."""

    def __init__(self, n: int, seed: int = 12):
        rng = np.random.default_rng(seed)
        self.names = np.array([f"res-{i:05d}" for i in range(n)], dtype=object)
        self.base = rng.uniform(0.2, 0.6, n)
        self.base[::50] = 0.93
        self.slope = rng.uniform(-0.003, 0.01, n)
        self.slope[::50] = 0.0
        self.cycle = rng.uniform(0.02, 0.12, n)
        self.rng = rng

    def samples(self, day: date) -> pd.DataFrame:
        """The day's 5-minute samples of every resource, in the warehouse's key order."""
        ts = pd.date_range(
            pd.Timestamp(day, tz="UTC"), periods=int(pd.Timedelta("1D") / STEP), freq=STEP
        )
        k = (day - LAST).days + DAYS - 1
        phase = np.sin(np.linspace(0, 2 * np.pi, len(ts), endpoint=False))
        values = (
            self.base[:, None]
            + self.slope[:, None] * k
            + self.cycle[:, None] * phase[None, :]
            + self.rng.normal(0, 0.015, (len(self.names), len(ts)))
        ).clip(0.0, None)
        return pd.DataFrame(
            {
                "ts": np.repeat(ts, len(self.names)),
                "resource": np.tile(self.names, len(ts)),
                "utilisation": values.T.ravel(),
                "capacity": np.nan,
            }
        )

    def plans(self):
        """Each resource's plan (defaults, or stricter thresholds for 1 in 20)."""
        from sre_pipeline.capacity.status import Plan

        return [
            Plan(name, thresholds=(0.6, 0.7, 0.85)) if i % 20 == 0 else Plan(name)
            for i, name in enumerate(self.names)
        ]

    def config(self, path: Path) -> None:
        """The same resources as a capacity configuration file."""
        lines = ["resources:"]
        for i, name in enumerate(self.names):
            lines += [f"  - name: {name}", f'    utilisation: max(u{{r="{name}"}})']
            if i % 20 == 0:
                lines.append("    thresholds: {warn: 0.6, scale: 0.7, emergency: 0.85}")
        path.write_text("\n".join(lines) + "\n")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_domain(n: int) -> dict:
    """Roll-ups of 35 days, then the last day's status, then 28 days' status, in memory."""
    from sre_pipeline.capacity.status import daily_figures, status_frame

    fleet = Fleet(n)
    days = [LAST - timedelta(days=DAYS - 1 - k) for k in range(DAYS)]
    rollup_s, parts, samples = 0.0, [], 0
    for day in days:
        frame = fleet.samples(day)
        samples += len(frame)
        t0 = time.perf_counter()
        parts.append(daily_figures(frame, "UTC"))
        rollup_s += time.perf_counter() - t0
    daily = pd.concat(parts, ignore_index=True)
    plans = fleet.plans()
    t0 = time.perf_counter()
    one = status_frame(daily, plans, [LAST])
    status_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    month = status_frame(daily, plans, days[-28:])
    month_s = time.perf_counter() - t0
    return {
        "resources": n,
        "samples": samples,
        "rollup_s": rollup_s,
        "rollup_day_s": rollup_s / DAYS,
        "status_s": status_s,
        "month_s": month_s,
        "month_rows": len(month),
        "states": dict(Counter(s for s in one["state"] if s)),
        "trends": dict(Counter(one["trend"])),
        "scale": dict(Counter(one["scale_status"])),
        "peak_mb": rss_mb(),
    }


def assets_child(work: Path, n: int) -> None:
    """In a fresh process: store the inputs, materialise the two assets for LAST; print JSON."""
    import dagster as dg

    from sre_pipeline.capacity.status import daily_figures
    from sre_pipeline.defs.capacity_assets import capacity_assets
    from sre_pipeline.defs.partitions import Partitioning
    from sre_pipeline.defs.resources import PipelineSettings, WarehouseResource
    from sre_pipeline.warehouse.engine import make_engine
    from sre_pipeline.warehouse.migrate import upgrade
    from sre_pipeline.warehouse.schema import capacity_daily, capacity_samples
    from sre_pipeline.warehouse.writes import Slice, replace_slice

    fleet = Fleet(n)
    fleet.config(work / "capacity.yaml")
    url = f"sqlite:///{work / 'warehouse.db'}"
    engine = make_engine(url)
    upgrade(engine)
    t0 = time.perf_counter()
    for k in range(DAYS - 1):  # the earlier days as their roll-ups
        day = LAST - timedelta(days=DAYS - 1 - k)
        replace_slice(
            engine,
            capacity_daily,
            daily_figures(fleet.samples(day), "UTC"),
            Slice("day", day, day + timedelta(1)),
        )
    samples = fleet.samples(LAST)
    start = pd.Timestamp(LAST, tz="UTC")
    replace_slice(engine, capacity_samples, samples, Slice("ts", start, start + pd.Timedelta("1D")))
    setup_s = time.perf_counter() - t0
    engine.dispose()
    resources = {
        "settings": PipelineSettings(slos=[], capacity=str(work / "capacity.yaml")),
        "warehouse": WarehouseResource(url=url),
    }
    daily_asset, status_asset = capacity_assets(Partitioning("UTC", date(2026, 9, 1), 36))
    before = rss_mb()
    timings = {}
    with dg.DagsterInstance.ephemeral() as instance:
        for asset in (daily_asset, status_asset):
            t0 = time.perf_counter()
            result = dg.materialize(
                [asset], partition_key=LAST.isoformat(), resources=resources, instance=instance
            )
            timings[asset.key.to_user_string()] = time.perf_counter() - t0
            assert result.success
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM capacity_status WHERE day = ?", (LAST.isoformat(),)
        ).scalar()
    print(
        json.dumps(
            {
                "samples": len(samples),
                "setup_s": setup_s,
                "daily_s": timings["capacity_daily"],
                "status_s": timings["capacity_status"],
                "status_rows": stored,
                "before_mb": before,
                "peak_mb": rss_mb(),
            }
        )
    )


def verdict(seconds: float) -> str:
    return "PASS" if seconds < TARGET_S else "FAIL"


def report(d: dict, a: dict) -> str:
    """The Markdown section."""
    n = d["resources"]
    return "\n".join(
        [
            HEADING,
            "",
            f"Measured {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC on this machine "
            f"({os.cpu_count()} cores); Python {sys.version.split()[0]}, pandas "
            f"{pd.__version__}, NumPy {np.__version__}. "
            "Reproduce: `.venv/bin/python benchmarks/bench_capacity.py`.",
            "",
            f"Workload: {n:,} resources with 5-minute samples over 35 days (the 28-day "
            f"look-back and the week before it: {d['samples']:,} samples); 1 in 20 with its own "
            'thresholds, 1 in 50 above 90 % throughout (its "since" is followed back past the '
            "look-back).",
            "",
            "| Measure | Value | Target | Result |",
            "|---|---:|---:|:---:|",
            f"| Domain: status and forecasts of one day, {n:,} resources (`status_frame`) | "
            f"{d['status_s']:.2f} s | < {TARGET_S:.0f} s | {verdict(d['status_s'])} |",
            f"| Domain: status and forecasts of 28 days at once ({d['month_rows']:,} rows, a "
            f"back-fill's range) | {d['month_s']:.2f} s | | |",
            f"| Domain: daily roll-up of {d['samples'] // DAYS:,} samples (`daily_figures`), "
            f"mean of {DAYS} days | {d['rollup_day_s']:.2f} s | | |",
            f"| Domain: all {DAYS} days rolled up | {d['rollup_s']:.1f} s | | |",
            f"| - peak RSS of the domain run | {d['peak_mb']:.0f} MB | | |",
            f"| Asset `capacity_daily` for a day ({a['samples']:,} samples read from SQLite) | "
            f"{a['daily_s']:.2f} s | | |",
            f"| Asset `capacity_status` for a day ({a['status_rows']:,} rows, 35 days of "
            f"roll-ups read) | {a['status_s']:.2f} s | < {TARGET_S:.0f} s | "
            f"{verdict(a['status_s'])} |",
            f"| - the daily run's capacity cost (both assets) | "
            f"{a['daily_s'] + a['status_s']:.2f} s | < {TARGET_S:.0f} s | "
            f"{verdict(a['daily_s'] + a['status_s'])} |",
            f"| - peak RSS of the asset process (before the assets: {a['before_mb']:.0f} MB) | "
            f"{a['peak_mb']:.0f} MB | | |",
            "",
            f"Outcome on the last day: states {d['states']}; trends {d['trends']}; scale "
            f"threshold {d['scale']}.",
            "",
            "Notes: the status reads one roll-up row per resource and day (`capacity_daily`), not "
            "the samples, and fits every resource's line in one NumPy pass "
            "(`sre_pipeline.capacity.forecast.fit_trends`); before the roll-up and the "
            "vectorised fit, one day's status of 5,000 resources took about 8 s in the domain "
            "alone (a Python loop of `scipy.stats.linregress` and pandas look-ups per "
            "resource), before reading 50 million samples. `capacity_daily` reads its day's "
            "samples through the driver cursor in chunks (`warehouse.reads.read_columns`, "
            "11.0 s through SQLAlchemy's row processing before). The asset times include "
            "Dagster's step overhead (about 0.5 s), the per-day metadata and, in "
            "`capacity_status`, reading the 5,000-resource configuration (about 2 s of "
            "pure-Python YAML with line numbers, once per process while the file is unchanged; "
            "faster spec parsing is issue 17's).",
        ]
    )


def main(argv=None) -> None:
    """Run both parts, print the Markdown section and record it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        assets_child(Path(args.work), args.resources)
        return
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "--work",
                tmp,
                "--resources",
                str(args.resources),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        out, _ = child.communicate()
        if child.returncode:
            raise SystemExit(f"the asset child failed ({child.returncode})")
        assets = json.loads(out.strip().splitlines()[-1])
    domain = bench_domain(args.resources)
    text = report(domain, assets)
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
