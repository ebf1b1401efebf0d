"""Small builders for SLOs and event frames used across the math tests."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.model import SLI, SLO, Budgeting, Source
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.windows import google_windows

WIDTH = timedelta(minutes=5)

SHOP_SPEC = """
service: {name: shop}
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        good: sum(rate(ok[{{ .window }}]))
        total: sum(rate(all[{{ .window }}]))
"""
"""A native spec with one SLO, ``shop-availability``, for asset and check tests."""


def make_slo(
    slo_id: str = "svc-avail",
    objective: float = 0.999,
    period: Period | None = None,
    windows=None,
    budgeting: Budgeting | None = None,
    aspirational: bool = False,
) -> SLO:
    """An events SLO with Google windows for its period unless told otherwise."""
    period = period or Period.rolling(timedelta(days=30))
    service, _, name = slo_id.partition("-")
    return SLO(
        id=slo_id,
        service=service,
        name=name or "x",
        objective=objective,
        period=period,
        budgeting=budgeting or Budgeting(),
        sli=SLI(kind="events", good_query="g[{{ .window }}]", total_query="t[{{ .window }}]"),
        windows=windows or google_windows(period.nominal),
        aspirational=aspirational,
        source=Source(format="native", file="test", document=1),
    )


def constant_events(
    slo_id: str,
    start: str,
    end: str,
    total: float = 1000.0,
    bad: float = 0.0,
    width: timedelta = WIDTH,
) -> pd.DataFrame:
    """Buckets in ``[start, end)`` with the same total and bad counts in each."""
    starts = pd.date_range(start, end, freq=width, inclusive="left", tz="UTC")
    return pd.DataFrame(
        {
            "slo": slo_id,
            "bucket_start": starts,
            "good": np.full(len(starts), total - bad),
            "total": np.full(len(starts), total),
        }
    )


def set_bad(events: pd.DataFrame, start: str, end: str, bad: float) -> pd.DataFrame:
    """Copy of ``events`` with ``bad`` bad events in every bucket starting in ``[start, end)``."""
    out = events.copy()
    ts = out["bucket_start"]
    mask = (ts >= _utc(start)) & (ts < _utc(end))
    out.loc[mask, "good"] = out.loc[mask, "total"] - bad
    return out


def _utc(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def bursty_events(
    slos, start, end, rng: np.random.Generator, base_rate: float, bursts, missing: float
) -> pd.DataFrame:
    """Poisson traffic (40 a bucket) with a background error rate and ``bursts`` of (start
    bucket, buckets, error rate), a share ``missing`` of buckets dropped; categorical ``slo``."""
    grid = pd.date_range(start, end, freq="5min", inclusive="left")
    frames = []
    for slo in slos:
        total = rng.poisson(40, len(grid)).astype(float)
        rate = np.full(len(grid), base_rate)
        for at, span, burst in bursts(slo, len(grid)):
            rate[at : at + span] = burst
        bad = rng.binomial(total.astype(int), rate).astype(float)
        keep = rng.random(len(grid)) > missing
        frames.append(
            pd.DataFrame(
                {
                    "slo": slo.id,
                    "bucket_start": grid[keep],
                    "good": (total - bad)[keep],
                    "total": total[keep],
                }
            )
        )
    events = pd.concat(frames, ignore_index=True)
    events["slo"] = pd.Categorical(events["slo"], categories=[s.id for s in slos])
    return events


def in_plan_read(events: pd.DataFrame, plan) -> np.ndarray:
    """The rows an episode plan reads: its pieces for its rolled SLOs, its whole span for the
    others."""
    ts = events["bucket_start"]
    in_pieces = np.zeros(len(events), dtype=bool)
    for lo, hi in plan.pieces:
        in_pieces |= ((ts >= lo) & (ts < hi)).to_numpy()
    whole = ((ts >= plan.span_start) & (ts < plan.until)).to_numpy()
    rolled = events["slo"].isin({events["slo"].cat.categories[i] for i in plan.rolled})
    rolled = rolled.to_numpy()
    return (rolled & in_pieces) | (~rolled & whole)
