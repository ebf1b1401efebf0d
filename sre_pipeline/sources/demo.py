"""Deterministic demo history: realistic bucket counts for any SLO catalog.

Each SLO gets diurnal, weekly-modulated traffic and a background error rate well inside its
budget; a few named scenarios add what a review should surface (a sharp incident, a slow burn,
an exhausted budget, a scrape gap). Everything derives from the SLO id and a seed, so the same
catalog and end time always give the same counts.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.model import SLO


@dataclass(frozen=True)
class Scenario:
    """Extra bad events for one SLO: ``burn`` times its budget between two offsets from the end."""

    slo: str
    start_before_end: timedelta
    duration: timedelta
    burn: float
    gap: bool = False  # no samples at all (scrape gap) instead of errors


DEFAULT_SCENARIOS: tuple[Scenario, ...] = (
    # a sharp outage two days ago: pages fire, the budget takes a visible hit
    Scenario("checkout-availability", timedelta(days=2, hours=5), timedelta(minutes=50), 40.0),
    # a slow burn over the last ten days: tickets, not pages
    Scenario("payments-latency", timedelta(days=10), timedelta(days=10), 1.6),
    # repeated failures that exhaust the budget
    Scenario("cart-availability", timedelta(days=9), timedelta(hours=10), 250.0),
    Scenario("cart-availability", timedelta(days=3), timedelta(hours=3), 30.0),
    # an ongoing fast burn at the end of the range
    Scenario("api-gateway-availability", timedelta(minutes=70), timedelta(minutes=70), 30.0),
    # a bad 40 minutes for a timeslice SLO: eight 5-minute slices miss their target
    Scenario("auth-login-availability", timedelta(days=6), timedelta(minutes=40), 30.0),
    # a scrape gap of four hours
    Scenario("catalog-availability", timedelta(days=4), timedelta(hours=4), 0.0, gap=True),
)


def _rng(slo_id: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(slo_id.encode())])


def generate_events(
    slos: Sequence[SLO],
    end: pd.Timestamp,
    days: int = 28,
    width: timedelta = timedelta(minutes=5),
    scenarios: Sequence[Scenario] = DEFAULT_SCENARIOS,
    seed: int = 7,
) -> pd.DataFrame:
    """Bucket counts (slo, bucket_start, good, total) for ``days`` before ``end``."""
    step = pd.Timedelta(width)
    end = pd.Timestamp(end).floor(step)
    starts = pd.date_range(end=end - step, periods=int(pd.Timedelta(days=days) / step), freq=step)
    hours = (starts.hour + starts.minute / 60).to_numpy()
    weekday = starts.dayofweek.to_numpy()
    frames = []
    for slo in slos:
        rng = _rng(slo.id, seed)
        per_second = rng.uniform(5, 80)
        phase = rng.uniform(-2, 2)
        diurnal = 1 + 0.6 * np.sin((hours - 8 + phase) / 24 * 2 * np.pi)
        weekly = np.where(weekday >= 5, 0.6, 1.0)
        expected = per_second * step.total_seconds() * diurnal * weekly
        total = rng.poisson(expected).astype(np.float64)
        error_rate = np.full(len(starts), slo.error_budget * rng.uniform(0.05, 0.45))
        present = np.ones(len(starts), dtype=bool)
        for sc in scenarios:
            if sc.slo != slo.id:
                continue
            lo = end - pd.Timedelta(sc.start_before_end)
            mask = (starts >= lo) & (starts < lo + pd.Timedelta(sc.duration))
            if sc.gap:
                present &= ~mask
            else:
                error_rate[mask] = np.minimum(1.0, slo.error_budget * sc.burn)
        bad = rng.binomial(total.astype(np.int64), error_rate).astype(np.float64)
        frames.append(
            pd.DataFrame(
                {
                    "slo": slo.id,
                    "bucket_start": starts[present],
                    "good": (total - bad)[present],
                    "total": total[present],
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["slo"] = pd.Categorical(out["slo"], categories=[s.id for s in slos])
    return out
