"""Timeslice budgeting (OpenSLO ``Timeslices``): count good slices instead of good events.
``RatioTimeslices`` averages the slices' ratios instead: each slice with data counts once,
with its error ratio as its "bad" part, so window sums give the mean error ratio of the
slices, one minus the mean of their good ratios.

A slice (e.g. 5 minutes) is good when its good/total ratio meets the slice target. A slice with
no data, or no events, is neither good nor bad. After the transform a timeslice SLO's row holds
one "event" per slice with data, placed in the slice's last bucket, so the same window sums
give good slices / slices with data; a slice still in progress at the evaluation instant does
not count yet.
"""

from __future__ import annotations

import numpy as np

DAY_NS = 86_400 * 1_000_000_000


def slice_problem(slice_ns: int, width_ns: int) -> str | None:
    """Why a slice of ``slice_ns`` cannot be evaluated on buckets of ``width_ns`` (None: it
    can): slices are whole buckets, and whole slices make a day, so they line up with days."""
    if slice_ns % width_ns or DAY_NS % slice_ns:
        return (
            f"a time slice of {slice_ns // 10**9}s is not a whole number of "
            f"{width_ns // 10**9}s buckets dividing one day"
        )
    return None


def slice_buckets(slice_ns: int, width_ns: int) -> int:
    """Buckets per slice; raises when the slice is not a whole number of buckets in a day."""
    problem = slice_problem(slice_ns, width_ns)
    if problem:
        raise ValueError(problem)
    return slice_ns // width_ns


def to_slices(
    bad: np.ndarray, total: np.ndarray, present: np.ndarray, k: int, target: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Rewrite one SLO's bucket row into per-slice bad/total indicators (in place layout);
    ``target`` None: RatioTimeslices, each slice's bad part is its error ratio.

    The row length must be a multiple of ``k`` and start on a slice boundary.
    """
    t = total.reshape(-1, k).sum(axis=1)
    b = bad.reshape(-1, k).sum(axis=1)
    has = present.reshape(-1, k).any(axis=1) & (t > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        good_slice = has & ((t - b) / np.where(t > 0, t, 1) >= (target or 0.0))
    new_total = np.zeros_like(total).reshape(-1, k)
    new_bad = np.zeros_like(bad).reshape(-1, k)
    new_total[:, -1] = has
    if target is None:
        new_bad[:, -1] = np.where(has, b / np.where(t > 0, t, 1), 0.0)
        return new_bad.ravel(), new_total.ravel()
    new_bad[:, -1] = has & ~good_slice
    return new_bad.ravel(), new_total.ravel()
