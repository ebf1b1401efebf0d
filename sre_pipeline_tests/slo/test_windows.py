"""Golden tables of the multiwindow, multi-burn-rate alert window sets."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from sre_pipeline.slo.windows import (
    GOOGLE_SHARES,
    WindowPair,
    factor_for_share,
    google_windows,
    preset_windows,
    pyrra_windows,
)

MIN, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
GOOGLE_PAIRS = [
    (H, 5 * MIN, "page"),
    (6 * H, 30 * MIN, "page"),
    (D, 2 * H, "ticket"),
    (3 * D, 6 * H, "ticket"),
]


@pytest.mark.parametrize(
    ("days", "factors"),
    [
        (30, [14.4, 6.0, 3.0, 1.0]),
        (28, [13.44, 5.6, 2.8, float(Fraction(14, 15))]),  # 0.9333...
        (7, [3.36, 1.4, 0.7, float(Fraction(7, 30))]),  # 0.2333...
        (90, [43.2, 18.0, 9.0, 3.0]),
    ],
)
def test_google_factors(days, factors):
    got = google_windows(timedelta(days=days))
    assert [w.factor for w in got] == factors  # exact: computed with fractions, then rounded once
    assert [(w.long, w.short, w.severity) for w in got] == GOOGLE_PAIRS


def test_google_budget_shares():
    assert [float(share) for share, *_ in GOOGLE_SHARES] == [0.02, 0.05, 0.10, 0.10]
    for pair, (share, *_) in zip(google_windows(30 * D), GOOGLE_SHARES, strict=True):
        # firing at the factor for the whole long window spends exactly that share of the budget
        assert pair.factor * pair.long / (30 * D) == pytest.approx(float(share))


def test_pyrra_28d():
    assert pyrra_windows(28 * D) == (
        WindowPair(H, 5 * MIN, 14.0, "page"),
        WindowPair(6 * H, 30 * MIN, 7.0, "page"),
        WindowPair(D, 2 * H, 2.0, "ticket"),
        WindowPair(4 * D, 6 * H, 1.0, "ticket"),
    )


@pytest.mark.parametrize(
    ("days", "minutes"),
    [
        # windows scale with period / 28d, rounded to the minute: (long, short) per pair
        (30, [(64, 5), (386, 32), (1543, 129), (6171, 386)]),
        (7, [(15, 1), (90, 8), (360, 30), (1440, 90)]),  # 30m / 4 = 7.5m -> 8m
        (56, [(120, 10), (720, 60), (2880, 240), (11520, 720)]),
    ],
)
def test_pyrra_windows_scale_with_the_period(days, minutes):
    got = pyrra_windows(timedelta(days=days))
    assert [(w.long // MIN, w.short // MIN) for w in got] == minutes
    assert [w.factor for w in got] == [14.0, 7.0, 2.0, 1.0]
    assert [w.severity for w in got] == ["page", "page", "ticket", "ticket"]


def test_pyrra_rounds_half_minutes_up_like_go():
    assert pyrra_windows(14 * D)[0] == WindowPair(30 * MIN, 3 * MIN, 14.0, "page")


def test_pyrra_windows_never_shrink_to_zero():
    assert pyrra_windows(D)[0].short == MIN  # 5m / 28 would round to 0


@pytest.mark.parametrize("days", [7, 28, 30])
def test_presets(days):
    period = timedelta(days=days)
    assert preset_windows("google", period) == google_windows(period)
    assert preset_windows("pyrra", period) == pyrra_windows(period)


@pytest.mark.parametrize("name", ["custom", "Google", ""])
def test_unknown_preset(name):
    with pytest.raises(ValueError, match="unknown window set .*expected one of google, pyrra"):
        preset_windows(name, 30 * D)


@pytest.mark.parametrize(
    ("share", "period", "long", "factor"),
    [
        (0.02, 30 * D, H, 14.4),
        (0.05, 28 * D, 6 * H, 5.6),
        (0.10, 7 * D, 3 * D, 7 / 30),
        (1.0, 30 * D, 30 * D, 1.0),
    ],
)
def test_factor_for_share(share, period, long, factor):
    assert factor_for_share(share, period, long) == pytest.approx(factor)


@pytest.mark.parametrize(
    ("pair", "text"),
    [
        (WindowPair(H, 5 * MIN, 14.4, "page"), "page 14.4x over 1h+5m"),
        (WindowPair(3 * D, 6 * H, 1.0, "ticket"), "ticket 1x over 3d+6h"),
        (WindowPair(90 * MIN, 7 * MIN, 13.44, "page"), "page 13.44x over 1h30m+7m"),
    ],
)
def test_describe(pair, text):
    assert pair.describe() == text
