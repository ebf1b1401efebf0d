"""Daily capacity figures, states, headroom and growth, from samples."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.capacity.status import Plan, daily_figures, state_of, status_rows

DAY = date(2026, 11, 30)


def samples(resource: str, first: date, peaks: list[float], tz: str = "UTC") -> pd.DataFrame:
    """Hourly samples rising through each local day to that day's peak at 23:00."""
    rows = []
    for n, peak in enumerate(peaks):
        day = pd.Timestamp(first + timedelta(days=n)).tz_localize(tz)
        for hour in range(24):
            rows.append(
                (
                    resource,
                    (day + pd.Timedelta(hours=hour)).tz_convert("UTC"),
                    peak * (hour + 1) / 24,
                )
            )
    return pd.DataFrame(rows, columns=["resource", "ts", "utilisation"]).assign(capacity=np.nan)


@pytest.mark.parametrize(
    ("peak", "state"),
    [
        (None, None),
        (0.5, "ok"),
        (0.7, "warn"),
        (0.79, "warn"),
        (0.8, "scale"),
        (0.95, "emergency"),
        (1.2, "emergency"),
    ],
)
def test_state_follows_the_thresholds(peak, state):
    assert state_of(peak, (0.7, 0.8, 0.9)) == state


def test_figures_are_the_local_days_own():
    frame = samples("db", date(2026, 11, 29), [0.4, 0.6], tz="Europe/Berlin")
    daily = daily_figures(frame, "Europe/Berlin")
    assert list(daily["day"]) == [date(2026, 11, 29), date(2026, 11, 30)]
    assert list(daily["peak_utilisation"]) == pytest.approx([0.4, 0.6])
    assert list(daily["current_utilisation"]) == pytest.approx([0.4, 0.6])  # the day's last sample
    assert list(daily["samples"]) == [24, 24]
    utc = daily_figures(frame, "UTC")  # the same samples cut at UTC midnight: other days
    assert len(utc) == 3


def test_status_rows_headroom_growth_and_forecast():
    peaks = [0.305 + 0.01 * n for n in range(28)]  # 0.575 on DAY
    daily = daily_figures(samples("search", DAY - timedelta(days=27), peaks), "UTC")
    (row,) = status_rows(daily, [Plan("search")], [DAY])
    assert row["state"] == "ok" and row["peak_utilisation"] == pytest.approx(0.575)
    assert row["headroom"] == pytest.approx(1 / 0.575) and row["headroom_ok"] is False  # < 2x
    assert row["peak_growth_wow"] == pytest.approx(0.575 / 0.505 - 1)
    assert row["trend"] == "rising" and row["scale_status"] == "forecast"
    assert row["scale_on"] == DAY + timedelta(days=23)  # 0.575 + 0.01 * 23 = 0.805 >= 0.80
    assert row["week_start"] == date(2026, 11, 30)


def test_a_day_without_samples_has_no_figures_and_says_so():
    daily = daily_figures(samples("search", DAY - timedelta(days=10), [0.5] * 10), "UTC")
    (row,) = status_rows(
        daily,
        [
            Plan("search"),
        ],
        [DAY],
    )
    assert row["peak_utilisation"] is None and row["state"] is None and row["headroom"] is None
    assert row["trend"] == "no data"


def test_over_commit_above_100_percent_is_an_emergency_with_under_1x_headroom():
    frame = samples("vcpu", DAY - timedelta(days=13), [1.05 + 0.005 * n for n in range(14)])
    frame["capacity"] = 64.0  # a capacity series: over-commit is real, not a bad sample
    daily = daily_figures(frame, "UTC")
    (row,) = status_rows(daily, [Plan("vcpu")], [DAY])
    assert row["state"] == "emergency" and row["peak_utilisation"] == pytest.approx(1.115)
    assert row["headroom"] == pytest.approx(1 / 1.115) and row["headroom"] < 1
    assert {row[f"{lv}_status"] for lv in ("warn", "scale", "emergency")} == {"already above"}
    assert row["emergency_since"] == DAY - timedelta(days=13)


def test_thresholds_overridden_per_resource():
    daily = daily_figures(samples("q", DAY, [0.65]), "UTC")
    default, strict = status_rows(daily, [Plan("q"), Plan("q", thresholds=(0.5, 0.6, 0.7))], [DAY])
    assert (default["state"], strict["state"]) == ("ok", "scale")


def test_the_all_at_once_status_is_each_resources_own_fit_and_crossings():
    """status_frame (every resource in one pass) against fit_trend and crossings per resource,
    on resources with their own look-backs, horizons, thresholds and missing days."""
    from sre_pipeline.capacity.forecast import crossings, fit_trend
    from sre_pipeline.capacity.status import DAILY_COLUMNS, LEVELS

    rng = np.random.default_rng(3)
    days = [DAY - timedelta(days=k) for k in range(45, -1, -1)]
    rows, plans = [], []
    for i in range(40):
        base, slope, noise = (
            rng.uniform(0.3, 0.95),
            rng.uniform(-0.004, 0.012),
            rng.choice([0.005, 0.03]),
        )
        for n, d in enumerate(days):
            if rng.random() < 0.1:
                continue
            peak = base + slope * n + rng.normal(0, noise)
            rows.append((f"r{i}", d, peak, peak * 0.7, peak * 0.95, peak, 24))
        plans.append(
            Plan(
                f"r{i}",
                thresholds=(0.6, 0.75, 0.85) if i % 3 else (0.7, 0.8, 0.9),
                lookback_days=[7, 14, 28][i % 3],
                horizon_days=[30, 90][i % 2],
            )
        )
    daily = pd.DataFrame(rows, columns=DAILY_COLUMNS)
    got = status_rows(daily, plans, [DAY, DAY - timedelta(days=5)])
    for row in got:
        plan = next(p for p in plans if p.name == row["resource"])
        part = daily[daily["resource"] == plan.name]
        peaks = pd.Series(part["peak_utilisation"].to_numpy(), index=part["day"])
        trend = fit_trend(peaks, row["day"], plan.lookback_days)
        levels = dict(zip(LEVELS, plan.thresholds, strict=True))
        for c in crossings(peaks, trend, levels, row["day"], plan.horizon_days):
            got_parts = [
                row[f"{c.threshold}_{k}"] for k in ("status", "on", "earliest", "latest", "since")
            ]
            assert got_parts == [c.status, c.on, c.earliest, c.latest, c.since], (
                row["resource"],
                c,
            )
        if row["day"] in set(part["day"]):
            assert row["trend"] == trend.status
            assert row["trend_per_day"] == (
                pytest.approx(trend.slope) if trend.slope is not None else None
            )
