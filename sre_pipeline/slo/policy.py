"""Error-budget policy tiers: what the team does at each level of budget remaining."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXHAUSTED = "exhausted"


@dataclass(frozen=True)
class PolicyTier:
    """A tier applies when budget remaining (a fraction) is at least ``min_remaining``."""

    name: str
    min_remaining: float
    action: str = ""


DEFAULT_TIERS: tuple[PolicyTier, ...] = (
    PolicyTier("full_velocity", 0.75, "ship features at full speed"),
    PolicyTier("normal", 0.50, "normal operations"),
    PolicyTier("slow_down", 0.25, "slow down releases, focus on reliability"),
    PolicyTier("feature_freeze", 0.10, "freeze features, reliability work only"),
    PolicyTier("incident_mode", 0.0, "incident mode: all hands on reliability"),
)


def validate_tiers(tiers: tuple[PolicyTier, ...]) -> list[str]:
    """Problems with a tier list: empty, not strictly descending, out of [0, 1], reserved name."""
    problems = []
    if not tiers:
        problems.append("at least one tier is required")
    mins = [t.min_remaining for t in tiers]
    if any(not 0.0 <= m <= 1.0 for m in mins):
        problems.append("min_remaining_percent must be between 0 and 100")
    if any(a <= b for a, b in zip(mins, mins[1:], strict=False)):
        problems.append("tiers must be listed from the highest min_remaining_percent down")
    if any(t.name == EXHAUSTED for t in tiers):
        problems.append(f"'{EXHAUSTED}' is reserved for budget remaining <= 0")
    return problems


def tier_for(remaining: float | None, tiers: tuple[PolicyTier, ...] = DEFAULT_TIERS) -> str | None:
    """Tier name for one budget-remaining fraction; ``None`` when remaining is undefined."""
    if remaining is None or not np.isfinite(remaining):
        return None
    if remaining <= 0:
        return EXHAUSTED
    for tier in tiers:
        if remaining >= tier.min_remaining:
            return tier.name
    return tiers[-1].name


def tiers_for(remaining: np.ndarray, tiers: tuple[PolicyTier, ...]) -> np.ndarray:
    """Vectorised :func:`tier_for` over an array of fractions (NaN and inf give ``None``)."""
    remaining = np.asarray(remaining, dtype=float)
    out = np.full(remaining.shape, tiers[-1].name, dtype=object)
    # assign from the lowest tier up so the highest matching bound wins
    for tier in reversed(tiers):
        out[remaining >= tier.min_remaining] = tier.name
    out[remaining <= 0] = EXHAUSTED
    out[~np.isfinite(remaining)] = None
    return out
