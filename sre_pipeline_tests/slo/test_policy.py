"""Error-budget policy tiers at and around every boundary, scalar and vectorised."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sre_pipeline.slo.policy import (
    DEFAULT_TIERS,
    EXHAUSTED,
    PolicyTier,
    tier_for,
    tiers_for,
    validate_tiers,
)

BOUNDARIES = [
    (1.0, "full_velocity"),
    (0.75, "full_velocity"),
    (0.7499, "normal"),
    (0.5, "normal"),
    (0.4999, "slow_down"),
    (0.25, "slow_down"),
    (0.2499, "feature_freeze"),
    (0.10, "feature_freeze"),
    (0.0999, "incident_mode"),
    (1e-9, "incident_mode"),
    (0.0, "exhausted"),
    (-0.0, "exhausted"),
    (-2.5, "exhausted"),
    (1.5, "full_velocity"),  # more than the whole budget left (good > total buckets)
]


@pytest.mark.parametrize(("remaining", "tier"), BOUNDARIES)
def test_tier_for(remaining, tier):
    assert tier_for(remaining) == tier


def test_tiers_for_matches_the_table():
    remaining = np.array([r for r, _ in BOUNDARIES] + [math.nan])
    assert list(tiers_for(remaining, DEFAULT_TIERS)) == [t for _, t in BOUNDARIES] + [None]


@pytest.mark.parametrize("remaining", [None, math.nan])
def test_undefined_budget_has_no_tier(remaining):
    assert tier_for(remaining) is None


def test_tiers_for_keeps_the_shape():
    got = tiers_for(np.array([[0.9, math.nan], [0.3, -1.0]]), DEFAULT_TIERS)
    assert got.shape == (2, 2)
    assert got.tolist() == [["full_velocity", None], ["slow_down", EXHAUSTED]]


def test_default_tiers():
    assert [(t.name, t.min_remaining) for t in DEFAULT_TIERS] == [
        ("full_velocity", 0.75),
        ("normal", 0.5),
        ("slow_down", 0.25),
        ("feature_freeze", 0.1),
        ("incident_mode", 0.0),
    ]
    assert all(t.action for t in DEFAULT_TIERS)
    assert validate_tiers(DEFAULT_TIERS) == []


CUSTOM = (PolicyTier("green", 0.5), PolicyTier("amber", 0.2))


@pytest.mark.parametrize(
    ("remaining", "tier"),
    [
        (0.9, "green"),
        (0.5, "green"),
        (0.3, "amber"),
        (0.2, "amber"),
        (0.1, "amber"),
        (0.0, EXHAUSTED),
        (-1.0, EXHAUSTED),
    ],
)
def test_custom_tiers_below_the_lowest_bound_fall_into_the_last_tier(remaining, tier):
    assert tier_for(remaining, CUSTOM) == tier
    assert tiers_for(np.array([remaining]), CUSTOM).tolist() == [tier]


def test_infinite_remaining_agrees_between_scalar_and_vector():
    values = [math.inf, -math.inf]
    assert tiers_for(np.array(values), DEFAULT_TIERS).tolist() == [tier_for(v) for v in values]


@pytest.mark.parametrize(
    ("tiers", "problems"),
    [
        ((), ["at least one tier is required"]),
        (
            (PolicyTier("a", 0.2), PolicyTier("b", 0.5)),
            ["tiers must be listed from the highest min_remaining_percent down"],
        ),
        (
            (PolicyTier("a", 0.5), PolicyTier("b", 0.5)),
            ["tiers must be listed from the highest min_remaining_percent down"],
        ),
        ((PolicyTier("a", 1.5),), ["min_remaining_percent must be between 0 and 100"]),
        (
            (PolicyTier("a", 0.5), PolicyTier("b", -0.1)),
            ["min_remaining_percent must be between 0 and 100"],
        ),
        ((PolicyTier(EXHAUSTED, 0.0),), ["'exhausted' is reserved for budget remaining <= 0"]),
        ((PolicyTier("a", 1.0), PolicyTier("b", 0.0)), []),
    ],
)
def test_validate_tiers(tiers, problems):
    assert validate_tiers(tiers) == problems
