"""Deterministic demo history: realistic bucket counts for any SLO catalog.

Each SLO gets diurnal, weekly-modulated traffic and a background error rate well inside its
budget; the scenarios of the demo plan (``examples/demo.yaml``) add what a review should
surface: a sharp outage, a slow burn, an exhausted budget, a scrape gap, a counter reset.

Every day's random draws are seeded by (seed, SLO id, UTC day), so any range (one daily
partition or four weeks at once) gives the same counts for the same buckets. Scenario times are
offsets before an anchor (the demo end by default).

The result is the *collected truth*: exactly what the Prometheus collector returns for the same
history once :mod:`sre_pipeline.demo.openmetrics` has back-filled it into Prometheus:
counts for events and latency SLIs, probe samples for probe SLIs, seconds for raw-ratio SLIs.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from sre_pipeline.demo.plan import DemoPlan, Scenario, load_plan
from sre_pipeline.slo.model import SLO
from sre_pipeline.sources.capacity import Resource

DAY_S = 86_400
PROBES_PER_MINUTE = 1


@dataclass
class SLOHistory:
    """Simulated events of one SLO, per bucket, before any collection semantics apply."""

    slo: SLO
    starts: np.ndarray  # bucket starts, epoch seconds
    width: int
    total: np.ndarray  # events (or probe samples) per bucket
    bad: np.ndarray
    present: np.ndarray  # False inside a scrape gap
    probe_ok: np.ndarray | None = None  # (buckets, minutes) 0/1 probe results
    resets: list[int] = field(default_factory=list)  # bucket indexes whose start resets counters


def _rng(seed: int, slo_id: str, *more: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(slo_id.encode()), *more])


def simulate(
    slos: Sequence[SLO],
    start: pd.Timestamp,
    end: pd.Timestamp,
    plan: DemoPlan | None = None,
    anchor: pd.Timestamp | None = None,
    width: timedelta = timedelta(minutes=5),
) -> list[SLOHistory]:
    """Events of every SLO for buckets starting in ``[start, end)``."""
    plan = plan or load_plan()
    w = int(width.total_seconds())
    s, e = int(pd.Timestamp(start).timestamp()), int(pd.Timestamp(end).timestamp())
    s, e = s - s % w, e - e % w
    anchor_s = int(pd.Timestamp(anchor if anchor is not None else end).timestamp())
    return [_simulate_one(slo, s, e, w, plan, anchor_s) for slo in slos]


def _simulate_one(slo: SLO, s: int, e: int, w: int, plan: DemoPlan, anchor: int) -> SLOHistory:
    per_slo = _rng(plan.seed, slo.id)
    per_second = per_slo.uniform(5, 80)
    phase = per_slo.uniform(-2, 2)
    background = slo.error_budget * per_slo.uniform(0.05, 0.45)
    minutes = w // 60
    first_day, last_day = s // DAY_S, (e - 1) // DAY_S
    totals, bads, probes, starts = [], [], [], []
    for day in range(first_day, last_day + 1):
        rng = _rng(plan.seed, slo.id, day)
        day_starts = day * DAY_S + np.arange(0, DAY_S, w)
        t = pd.to_datetime(day_starts, unit="s", utc=True)
        hours = (t.hour + t.minute / 60).to_numpy()
        weekly = np.where(t.dayofweek.to_numpy() >= 5, 0.6, 1.0)
        diurnal = 1 + 0.6 * np.sin((hours - 8 + phase) / 24 * 2 * np.pi)
        rate = _error_rate(slo, day_starts, background, plan.scenarios, anchor)
        if slo.sli.kind == "probe":
            ok = rng.random((len(day_starts), minutes)) >= rate[:, None]
            probes.append(ok.astype(np.int8))
            total = np.full(len(day_starts), float(minutes))
            bad = minutes - ok.sum(axis=1).astype(np.float64)
        else:
            total = rng.poisson(per_second * w * diurnal * weekly).astype(np.float64)
            bad = rng.binomial(total.astype(np.int64), rate).astype(np.float64)
        totals.append(total)
        bads.append(bad)
        starts.append(day_starts)
    all_starts = np.concatenate(starts)
    keep = (all_starts >= s) & (all_starts < e)
    present = np.ones(int(keep.sum()), dtype=bool)
    starts_kept = all_starts[keep]
    resets = []
    for sc in plan.scenarios:
        if sc.slo != slo.id:
            continue
        lo = anchor - int(sc.start_before_end.total_seconds())
        if sc.gap:
            hi = lo + int(sc.duration.total_seconds())
            present &= ~((starts_kept >= lo) & (starts_kept < hi))
        if sc.counter_reset:
            resets += [int(i) for i in np.flatnonzero(starts_kept == lo - lo % w)]
    return SLOHistory(
        slo=slo,
        starts=starts_kept,
        width=w,
        total=np.concatenate(totals)[keep],
        bad=np.concatenate(bads)[keep],
        present=present,
        probe_ok=np.concatenate(probes)[keep] if probes else None,
        resets=resets,
    )


def _error_rate(
    slo: SLO, starts: np.ndarray, background: float, scenarios: Sequence[Scenario], anchor: int
) -> np.ndarray:
    rate = np.full(len(starts), background)
    for sc in scenarios:
        if sc.slo != slo.id or not sc.burn:
            continue
        lo = anchor - int(sc.start_before_end.total_seconds())
        hi = lo + int(sc.duration.total_seconds())
        rate[(starts >= lo) & (starts < hi)] = min(1.0, slo.error_budget * sc.burn)
    return rate


def truth_frame(histories: Sequence[SLOHistory]) -> pd.DataFrame:
    """What a collector reads back (slo, bucket_start, good, total), by SLI kind."""
    frames = []
    for h in histories:
        keep = h.present.copy()
        total, bad = h.total, h.bad
        if h.slo.sli.kind == "ratio":
            # time-weighted: each bucket is its seconds, bad in proportion to the error ratio
            keep &= total > 0
            with np.errstate(divide="ignore", invalid="ignore"):
                bad = np.where(total > 0, bad / np.where(total > 0, total, 1), 0.0) * h.width
            total = np.full(len(total), float(h.width))
        frames.append(
            pd.DataFrame(
                {
                    "slo": h.slo.id,
                    "bucket_start": h.starts[keep],
                    "good": (total - bad)[keep],
                    "total": total[keep],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["slo"] = pd.Categorical(out["slo"], categories=[h.slo.id for h in histories])
    out["bucket_start"] = pd.to_datetime(out["bucket_start"], unit="s", utc=True)
    return out


def generate_events(
    slos: Sequence[SLO],
    end: pd.Timestamp,
    days: int = 28,
    plan: DemoPlan | None = None,
    width: timedelta = timedelta(minutes=5),
    anchor: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Bucket counts (slo, bucket_start, good, total) for the ``days`` before ``end``."""
    end = pd.Timestamp(end).floor(pd.Timedelta(width))
    start = end - pd.Timedelta(days=days)
    return truth_frame(simulate(slos, start, end, plan, anchor, width))


def simulate_capacity(
    resources: Sequence[Resource],
    start: pd.Timestamp,
    end: pd.Timestamp,
    plan: DemoPlan | None = None,
    anchor: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Utilisation (and capacity) of every resource the plan describes, at each of its steps
    in ``[start, end)``: a level, a daily swing, a trend from 28 days before the anchor, noise
    seeded per day."""
    plan = plan or load_plan()
    s, e = int(pd.Timestamp(start).timestamp()), int(pd.Timestamp(end).timestamp())
    anchor_s = int(pd.Timestamp(anchor if anchor is not None else end).timestamp())
    origin = anchor_s - 28 * DAY_S
    frames = []
    for r in resources:
        gen = plan.capacity.get(r.name)
        if gen is None:
            continue
        step = int(r.step.total_seconds())
        parts = []
        for day in range(s // DAY_S, (e - 1) // DAY_S + 1):
            ts = day * DAY_S + np.arange(0, DAY_S, step)
            noise = _rng(plan.seed, r.name, day).normal(0, gen.noise, len(ts))
            hours = (ts % DAY_S) / 3600
            level = gen.base + gen.trend_per_day * (ts - origin) / DAY_S
            swing = gen.diurnal * np.sin((hours - 8) / 24 * 2 * np.pi)
            parts.append((ts, np.clip(level + swing + noise, 0.0, 1.0)))
        ts = np.concatenate([p[0] for p in parts])
        util = np.concatenate([p[1] for p in parts])
        keep = (ts >= s) & (ts < e)
        frames.append(
            pd.DataFrame(
                {
                    "resource": r.name,
                    "ts": pd.to_datetime(ts[keep], unit="s", utc=True),
                    "utilisation": util[keep],
                    "capacity": gen.capacity if gen.capacity else np.nan,
                }
            )
        )
    columns = ["resource", "ts", "utilisation", "capacity"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
