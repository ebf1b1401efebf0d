"""Property tests: the vectorised figures equal a brute-force reference on random data with
gaps, and budgets behave as budgets must."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sre_pipeline.slo.budget.evaluator import STATUS_WINDOWS, Evaluator
from sre_pipeline.slo.periods import Period
from sre_pipeline_tests.slo.factories import make_slo

WIDTH = pd.Timedelta("5min")
ORIGIN = pd.Timestamp("2026-10-01T00:00Z")
N_BUCKETS = 4 * 288  # four days
PERIOD = timedelta(days=3)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def histories(draw):
    """1-3 SLOs with random counts, random gaps and random objectives, and an instant."""
    n = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    frames, slos = [], []
    for i in range(n):
        total = rng.integers(0, 50, N_BUCKETS).astype(float)
        bad = np.minimum(total, rng.integers(0, 3, N_BUCKETS) * rng.integers(0, 2, N_BUCKETS))
        keep = rng.random(N_BUCKETS) > draw(st.sampled_from([0.0, 0.1, 0.5, 0.95]))
        starts = ORIGIN + WIDTH * np.arange(N_BUCKETS)
        frames.append(
            pd.DataFrame(
                {
                    "slo": f"s{i}-x",
                    "bucket_start": starts[keep],
                    "good": (total - bad)[keep],
                    "total": total[keep],
                }
            )
        )
        objective = draw(st.sampled_from([0.9, 0.99, 0.999, 0.9995]))
        slos.append(make_slo(f"s{i}-x", objective=objective, period=Period.rolling(PERIOD)))
    offset_s = draw(st.integers(3 * 86400, N_BUCKETS * 300 + 600))
    return pd.concat(frames, ignore_index=True), slos, ORIGIN + pd.Timedelta(seconds=offset_s)


def brute_window(frame: pd.DataFrame, at: pd.Timestamp, window: pd.Timedelta):
    """Sums over buckets that start at or after at - window and end at or before at."""
    window = max(window, WIDTH)
    inside = (frame.bucket_start >= at - window) & (frame.bucket_start + WIDTH <= at)
    sel = frame[inside]
    return float((sel.total - sel.good).sum()), float(sel.total.sum()), int(inside.sum())


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@SETTINGS
@given(histories())
def test_window_figures_equal_brute_force(case):
    events, slos, at = case
    status = Evaluator(events, slos, at, at, width=WIDTH).status(at).set_index("slo")
    for slo in slos:
        frame = events[events.slo == slo.id]
        row = status.loc[slo.id]
        for label, td in STATUS_WINDOWS.items():
            bad, total, _ = brute_window(frame, at, pd.Timedelta(td))
            expected = bad / total / slo.error_budget if total else math.nan
            assert close(row[f"burn_rate_{label}"], expected), label
        bad, total, present = brute_window(frame, at, pd.Timedelta(PERIOD))
        assert close(row.attainment, 1 - bad / total if total else math.nan)
        first = (at - pd.Timedelta(PERIOD)).ceil(WIDTH)
        slots = ((at.floor(WIDTH) - first) / WIDTH) if at.floor(WIDTH) > first else 0
        assert close(row.coverage, present / slots)
        alerts = {(a["long_window"], a["short_window"]) for a in row.alerts}
        for pair in slo.windows:
            bl, tl, _ = brute_window(frame, at, pd.Timedelta(pair.long))
            bs, ts, _ = brute_window(frame, at, pd.Timedelta(pair.short))
            fires = bool(
                tl
                and ts
                and bl / tl / slo.error_budget > pair.factor
                and bs / ts / slo.error_budget > pair.factor
            )
            key = (pair.long.total_seconds(), pair.short.total_seconds())
            names = {
                (pd.Timedelta(a).total_seconds(), pd.Timedelta(b).total_seconds())
                for a, b in alerts
            }
            assert fires == (key in names)


@SETTINGS
@given(histories())
def test_period_burn_rate_equals_consumed_fraction(case):
    events, slos, at = case
    status = Evaluator(events, slos, at, at, width=WIDTH).status(at)
    for row in status.itertuples():
        assert close(row.burn_rate_period, 1 - row.budget_remaining)
        if not math.isnan(row.budget_remaining):
            assert close(
                row.budget_remaining_minutes,
                row.budget_remaining * (1 - row.objective) * PERIOD.total_seconds() / 60,
            )


@SETTINGS
@given(histories(), st.integers(1, 500))
def test_adding_bad_events_never_raises_the_budget(case, extra):
    events, slos, at = case
    before = Evaluator(events, slos, at, at, width=WIDTH).status(at).set_index("slo")
    worse = events.copy()
    in_period = (worse.bucket_start >= at - pd.Timedelta(PERIOD)) & (
        worse.bucket_start + WIDTH <= at
    )
    target = worse.index[in_period & (worse.total > 0)]
    if len(target) == 0:
        return
    row = target[len(target) // 2]
    worse.loc[row, "good"] = max(0.0, worse.loc[row, "good"] - extra)
    after = Evaluator(worse, slos, at, at, width=WIDTH).status(at).set_index("slo")
    slo = worse.loc[row, "slo"]
    assert after.loc[slo].budget_remaining <= before.loc[slo].budget_remaining + 1e-12
    assert after.loc[slo].budget_remaining_events <= before.loc[slo].budget_remaining_events + 1e-9
