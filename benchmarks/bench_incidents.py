"""Incident benchmark: one week's budget attribution and alert links for 2,000 SLOs.

    .venv/bin/python benchmarks/bench_incidents.py [--slos 2000] [--incidents 40] [--no-write]

In memory, what the weekly assets compute (``sre_pipeline.incidents.weekly``): ``--slos`` SLOs
of 5 SLOs per service with 5-minute buckets over the week and the 30-day period before it
(35 days; 20 million buckets for 2,000 SLOs), ``--incidents`` incidents of the week on random
services (one open), 10 alert episodes per incident plus as many with no incident; then
``budget_week`` (every incident x SLO of its services, and every SLO's spend outside the
incidents) and ``alerts_week``. Reading the rows from the warehouse is measured by
``bench_warehouse.py`` (the same reader as the status asset).

Target: a week under 30 s for 2,000 SLOs (the weekly job runs once a week; the daily status
asset takes about 50 s for the same catalog).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from perfdoc import write_section  # noqa: E402 - benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the test factories build the SLOs, as the tests do
    sys.path.insert(0, str(ROOT))

from sre_pipeline.incidents.model import Incident  # noqa: E402
from sre_pipeline.incidents.weekly import alerts_week, budget_week, events_window  # noqa: E402
from sre_pipeline.slo.periods import Period  # noqa: E402
from sre_pipeline_tests.slo.factories import make_slo  # noqa: E402

HEADING = "## Incidents: a week's budget attribution and alert links for 2,000 SLOs (issue 13)"
WEEK = pd.Timestamp("2026-11-16", tz="UTC")
WIDTH = timedelta(minutes=5)
TARGET_S = 30.0


def catalog(n: int) -> list:
    return [
        make_slo(f"svc{i // 5:04d}-slo{i % 5}", 0.999, Period.rolling(timedelta(days=30)))
        for i in range(n)
    ]


def events(slos, start: pd.Timestamp, end: pd.Timestamp, seed: int = 13) -> pd.DataFrame:
    """100 requests per bucket, a few bad at random (about 0.05 %)."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range(start, end, freq="5min", inclusive="left")
    ids = [s.id for s in slos]
    total = np.full(len(ids) * len(starts), 100.0)
    bad = rng.binomial(100, 0.0005, total.size).astype(float)
    return pd.DataFrame(
        {
            "slo": pd.Categorical(np.repeat(ids, len(starts)), categories=ids),
            "bucket_start": np.tile(starts, len(ids)),
            "good": total - bad,
            "total": total,
        }
    )


def incidents(slos, n: int, seed: int = 14) -> list[Incident]:
    rng = np.random.default_rng(seed)
    services = sorted({s.service for s in slos})
    out = []
    for k in range(n):
        start = WEEK + pd.Timedelta(minutes=int(rng.integers(0, 7 * 24 * 60 - 180)))
        length = pd.Timedelta(minutes=int(rng.integers(10, 180)))
        out.append(
            Incident(
                incident_id=f"INC-{k:03d}",
                title=f"incident {k}",
                severity="SEV2",
                services=(services[int(rng.integers(len(services)))],),
                started_at=start.to_pydatetime(),
                detected_at=(start + pd.Timedelta(minutes=5)).to_pydatetime(),
                acknowledged_at=None,
                resolved_at=None if k == 0 else (start + length).to_pydatetime(),
                postmortem_published_at=None,
                postmortem_ref="",
            )
        )
    return out


def episodes(found: list[Incident], slos, seed: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    by_service: dict[str, list[str]] = {}
    for s in slos:
        by_service.setdefault(s.service, []).append(s.id)
    rows = []
    for incident in found:
        for _ in range(10):
            slo = by_service[incident.services[0]][int(rng.integers(5))]
            start = pd.Timestamp(incident.started_at) + pd.Timedelta(
                minutes=int(rng.integers(0, 30))
            )
            rows.append((slo, start, start + pd.Timedelta(minutes=30)))
        free = slos[int(rng.integers(len(slos)))].id
        start = WEEK + pd.Timedelta(minutes=int(rng.integers(0, 7 * 24 * 60 - 60)))
        rows += [(free, start + pd.Timedelta(minutes=m), None) for m in range(0, 10)]
    frame = pd.DataFrame(rows, columns=["slo", "start", "end"])
    return frame.assign(
        long_window="1h", short_window="5m", severity="page", factor=14.4, peak_burn_rate=20.0
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=2000)
    parser.add_argument("--incidents", type=int, default=40)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    slos = catalog(args.slos)
    bounds = (WEEK, WEEK + pd.Timedelta(days=7))
    now = bounds[1]
    started = time.perf_counter()
    history = events(slos, WEEK - pd.Timedelta(days=31), bounds[1])
    made = time.perf_counter() - started
    found = incidents(slos, args.incidents)
    window = events_window(found, slos, WIDTH, now)
    mine = {s.id for s in slos if s.service in {x for i in found for x in i.services}}
    wanted = history["slo"].isin(mine) & (history["bucket_start"] >= window[0])
    affected = history[wanted]
    week_events = history[history["bucket_start"] >= bounds[0]]
    status = pd.DataFrame(
        {"slo": [s.id for s in slos], "objective": 0.999, "events_total": 30 * 288 * 100.0}
    )
    t0 = time.perf_counter()
    cost, outside = budget_week(
        WEEK.date(), found, found, slos, affected, week_events, status, WIDTH, bounds, now
    )
    t_budget = time.perf_counter() - t0
    eps = episodes(found, slos)
    services = {s.id: s.service for s in slos}
    t0 = time.perf_counter()
    links, detection = alerts_week(WEEK.date(), found, found, eps, services, bounds, now)
    t_alerts = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = t_budget + t_alerts
    verdict = "PASS" if total < TARGET_S else "FAIL"
    lines = [
        HEADING,
        "",
        "`benchmarks/bench_incidents.py` (in memory; see its docstring). "
        f"{args.slos:,} SLOs, {len(history):,} buckets over 35 days "
        f"(made in {made:.1f} s), {len(found)} incidents of the week, {len(eps):,} alert "
        "episodes.",
        "",
        "| step | rows out | seconds |",
        "|---|---:|---:|",
        f"| `budget_week`: incident x SLO attribution + spend outside incidents | "
        f"{len(cost):,} + {len(outside):,} | {t_budget:.2f} |",
        f"| `alerts_week`: episodes linked, unexplained, detection | "
        f"{len(links):,} + {len(detection):,} | {t_alerts:.2f} |",
        f"| total | | **{total:.2f}** |",
        "",
        f"Peak RSS {rss:,.0f} MB (mostly the 35 days of buckets held in memory). "
        f"Target {TARGET_S:.0f} s: {verdict}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
