"""Forecasts on synthetic daily peaks whose true crossing dates are known."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.capacity.forecast import (
    ALREADY_ABOVE,
    BEYOND_HORIZON,
    FORECAST,
    INSUFFICIENT,
    NOT_RISING,
    RISING,
    UNRELIABLE,
    crossings,
    fit_trend,
)

DAY = date(2026, 11, 30)
LEVELS = {"warn": 0.7, "scale": 0.8, "emergency": 0.9}


def series(values, day: date = DAY) -> pd.Series:
    """Daily peaks ending on ``day``; NaN marks a missing day (dropped)."""
    days = [day - timedelta(days=len(values) - 1 - n) for n in range(len(values))]
    return pd.Series(values, index=days, dtype=float).dropna()


def line(start: float, slope: float, days: int = 28, noise: float = 0.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    return start + slope * np.arange(days) + rng.normal(0, noise, days)


def forecast(peaks: pd.Series, horizon: int = 90):
    trend = fit_trend(peaks, DAY, 28)
    return trend, {c.threshold: c for c in crossings(peaks, trend, LEVELS, DAY, horizon)}


def test_exact_linear_growth_crosses_on_the_day_the_line_does():
    # 0.405 + 0.01/day: 0.675 on DAY (day 27); 0.70 is passed 3 days later, 0.80 at +13, 0.90 at +23
    trend, out = forecast(series(line(0.405, 0.01)))
    assert trend.status == RISING and trend.slope == pytest.approx(0.01)
    assert out["warn"].status == FORECAST and out["warn"].on == DAY + timedelta(days=3)
    assert out["scale"].on == DAY + timedelta(days=13)
    assert out["emergency"].on == DAY + timedelta(days=23)
    assert out["scale"].earliest == out["scale"].on == out["scale"].latest  # no noise, no band


def test_the_band_covers_the_true_crossing_in_at_least_90_percent_of_noisy_cases():
    covered, dated = 0, 0
    for seed in range(200):
        peaks = series(line(0.40, 0.01, noise=0.02, seed=seed))
        _, out = forecast(peaks)
        scale = out["scale"]
        true = DAY + timedelta(days=13)
        if scale.status == FORECAST:
            dated += 1
            latest = scale.latest or DAY + timedelta(days=10_000)
            covered += scale.earliest <= true <= latest
    assert dated >= 190
    assert covered / dated >= 0.9


@pytest.mark.parametrize("values", [[0.5] * 28, list(line(0.8, -0.005))])
def test_flat_or_falling_is_not_rising_and_gives_no_date(values):
    trend, out = forecast(series(values))
    assert trend.status == NOT_RISING
    assert {c.status for c in out.values()} == {NOT_RISING}
    assert all(c.on is None for c in out.values())


def test_noise_without_a_trend_is_not_rising():
    trend, _ = forecast(series(line(0.5, 0.0, noise=0.05, seed=3)))
    assert trend.status == NOT_RISING


def test_a_weak_trend_in_much_noise_is_unreliable():
    statuses = [
        fit_trend(series(line(0.4, 0.004, noise=0.06, seed=s)), DAY, 28).status for s in range(40)
    ]
    # a true slope of 0.004/day under 0.06 of noise: often significant, rarely explanatory
    assert statuses.count(UNRELIABLE) >= 5
    assert set(statuses) <= {UNRELIABLE, NOT_RISING, RISING}
    strong = [fit_trend(series(line(0.4, 0.01, noise=0.01, seed=s)), DAY, 28) for s in range(10)]
    assert {t.status for t in strong} == {RISING}


def test_missing_days_are_skipped_not_zero():
    values = line(0.405, 0.01)
    values[[3, 4, 10, 20]] = np.nan
    trend, out = forecast(series(values))
    assert trend.days == 24 and trend.slope == pytest.approx(0.01)
    assert out["scale"].on == DAY + timedelta(days=13)


def test_too_little_history_is_insufficient_data():
    trend, out = forecast(series(line(0.4, 0.02, days=6)))
    assert trend.status == INSUFFICIENT and trend.days == 6
    assert {c.status for c in out.values()} == {INSUFFICIENT}


def test_a_resource_already_above_says_since_when():
    values = [0.6] * 20 + [0.75, 0.85, 0.86, 0.84, 0.72, 0.83, 0.88, 0.86]
    _, out = forecast(series(values))
    assert out["warn"].status == ALREADY_ABOVE and out["warn"].since == DAY - timedelta(days=7)
    assert out["scale"].status == ALREADY_ABOVE and out["scale"].since == DAY - timedelta(days=2)
    assert out["emergency"].status != ALREADY_ABOVE


def test_a_crossing_past_the_horizon_says_so():
    _, out = forecast(series(line(0.40, 0.001)), horizon=90)  # warn in ~273 days
    assert out["warn"].status == BEYOND_HORIZON and out["warn"].on is None


def test_a_step_change_is_unreliable_not_a_trend():
    # flat at 0.40 for three weeks, then a new flat level at 0.65: a line through it would
    # forecast crossings that nothing supports
    values = np.r_[np.full(21, 0.40), np.full(7, 0.65)] + line(0, 0, noise=0.005, seed=1)
    trend, out = forecast(series(values))
    assert trend.status == UNRELIABLE
    assert {c.status for c in out.values()} == {UNRELIABLE}


def test_real_trends_in_noise_are_not_mistaken_for_steps():
    statuses = [
        forecast(series(line(0.405, 0.01, noise=0.02, seed=s)))[0].status for s in range(50)
    ]
    assert statuses.count(RISING) >= 48


def test_the_matrix_fit_is_linregress_row_by_row_with_missing_days():
    from scipy import stats

    from sre_pipeline.capacity.forecast import durbin_watson, fit_trends

    rng = np.random.default_rng(7)
    x = np.arange(-27, 1, dtype=float)
    y = 0.3 + rng.uniform(-0.01, 0.02, (60, 1)) * (x + 27) + rng.normal(0, 0.03, (60, 28))
    y[rng.random(y.shape) < 0.15] = np.nan
    fit = fit_trends(y, x)
    for i in range(len(y)):
        seen = ~np.isnan(y[i])
        ref = stats.linregress(x[seen], y[i, seen])
        assert fit.days[i] == seen.sum()
        assert fit.slope[i] == pytest.approx(ref.slope, rel=1e-9, abs=1e-12)
        assert fit.intercept[i] == pytest.approx(ref.intercept, rel=1e-9)
        assert fit.r2[i] == pytest.approx(ref.rvalue**2, rel=1e-9, abs=1e-12)
        one_sided = ref.pvalue / 2 if ref.slope > 0 else 1 - ref.pvalue / 2
        assert fit.p_rising[i] == pytest.approx(one_sided, rel=1e-6, abs=1e-12)
        resid = y[i, seen] - (ref.intercept + ref.slope * x[seen])
        alone = durbin_watson(resid)  # the gaps skipped: the observed residuals in order
        gapped = np.where(seen, y[i] - fit.intercept[i] - fit.slope[i] * x, 0.0)
        assert durbin_watson(gapped[None], seen[None])[0] == pytest.approx(alone)


def test_rows_with_too_few_days_have_no_fit_figures():
    from sre_pipeline.capacity.forecast import fit_trends

    y = np.full((2, 10), np.nan)
    y[0, -6:] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]  # six days: one short of a week
    fit = fit_trends(y, np.arange(-9, 1, dtype=float))
    assert list(fit.status) == [INSUFFICIENT, INSUFFICIENT]
    assert np.isnan(fit.slope).all() and list(fit.days) == [6, 0]
