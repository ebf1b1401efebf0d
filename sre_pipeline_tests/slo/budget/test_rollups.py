"""Daily roll-ups: a status from roll-ups plus the last days of buckets equals the status from
buckets alone, for every budgeting method, rolling and calendar periods, pipeline time zones
with whole and half-hour offsets and DST, gaps and buckets with good > total."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sre_pipeline.slo.budget.daily import (
    daily_status,
    day_bounds,
    fine_start,
    local_days,
    status_plan,
)
from sre_pipeline.slo.budget.rollup import day_rollups
from sre_pipeline.slo.model import Budgeting
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.windows import WindowPair
from sre_pipeline_tests.slo.factories import make_slo

WIDTH = timedelta(minutes=5)
WIDTH_NS = 300 * 10**9
LOOKBACK = 36
PERIODS = [
    Period.rolling(timedelta(days=7)),
    Period.rolling(timedelta(days=28)),
    Period.calendar("week", "UTC"),
    Period.calendar("month", "Europe/Berlin"),
    Period.calendar("month", "UTC"),
]
BUDGETING = [
    Budgeting(),
    Budgeting(method="timeslices", slice=timedelta(minutes=5), slice_target=0.95),
    Budgeting(method="timeslices", slice=timedelta(hours=1), slice_target=0.99),
    Budgeting(method="ratio_timeslices", slice=timedelta(minutes=30)),
]

# Google's windows (None), and windows that start inside a local day as of its end (36 h,
# 2.5 d) or on a midnight two days back (2 d): some summed from roll-ups, some from buckets
WINDOWS = [
    None,
    [
        WindowPair(timedelta(hours=36), timedelta(hours=3), 2.0, "ticket"),
        WindowPair(timedelta(days=2), timedelta(minutes=10), 5.0, "page"),
        WindowPair(timedelta(hours=60), timedelta(hours=25), 1.0, "ticket"),
    ],
]


@st.composite
def cases(draw):
    """A pipeline time zone, 1-3 status days around a DST change or not, and 2-5 SLOs with
    random traffic, gaps and buckets where good > total, over the look-back."""
    tz = draw(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York"]))
    first = draw(st.sampled_from([date(2026, 3, 20), date(2026, 11, 12), date(2026, 4, 3)]))
    days = [first + timedelta(days=i) for i in range(draw(st.integers(1, 3)))]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    slos = [
        make_slo(
            f"s{i}-x",
            objective=draw(st.sampled_from([0.99, 0.999])),
            period=draw(st.sampled_from(PERIODS)),
            budgeting=draw(st.sampled_from(BUDGETING)),
            windows=draw(st.sampled_from(WINDOWS)),
        )
        for i in range(draw(st.integers(2, 5)))
    ]
    start = day_bounds(days[0] - timedelta(days=LOOKBACK + 1), tz)[0]
    end = day_bounds(days[-1], tz)[1]
    grid = pd.date_range(start, end, freq="5min", inclusive="left")
    frames = []
    for slo in slos:
        total = rng.poisson(40, len(grid)).astype(float)
        bad = np.minimum(total, rng.poisson(draw(st.sampled_from([0.01, 0.2, 3.0])), len(grid)))
        good = total - bad
        good[rng.random(len(grid)) < 0.002] += 5  # good > total: kept and counted
        keep = rng.random(len(grid)) > draw(st.sampled_from([0.0, 0.05, 0.6]))
        frames.append(
            pd.DataFrame(
                {
                    "slo": slo.id,
                    "bucket_start": grid[keep],
                    "good": good[keep],
                    "total": total[keep],
                }
            )
        )
    events = pd.concat(frames, ignore_index=True)
    events["slo"] = pd.Categorical(events["slo"], categories=[s.id for s in slos])
    return tz, days, slos, events


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list):
        return len(a) == len(b) and all(
            all(_same(x[k], y[k]) for k in x) and x.keys() == y.keys()
            for x, y in zip(a, b, strict=True)
        )
    return a == b


def rolled_status(tz, days, slos, events):
    """What the status asset does: roll-ups of the days before the fine part (as the
    collection writes them), a plan, the buckets the plan needs, the status."""
    fine = fine_start(slos, days, tz)
    first = days[0] - timedelta(days=LOOKBACK)
    intervals = [(s, e) for s, e in local_days(first, days[0], tz) if e <= fine]
    rollups = day_rollups(events, slos, intervals, WIDTH_NS)
    plan = status_plan(rollups, slos, days, tz, LOOKBACK)
    rolled = {slos[i].id for i in plan.rolled}
    needed = ~events["slo"].isin(rolled) | (events["bucket_start"] >= plan.fine_start)
    return daily_status(events[needed], slos, days, tz, WIDTH, plan), plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_status_from_rollups_equals_status_from_buckets(case):
    tz, days, slos, events = case
    full = daily_status(events, slos, days, tz, WIDTH)
    rolled, plan = rolled_status(tz, days, slos, events)
    assert list(rolled.columns) == list(full.columns)
    assert list(zip(rolled["day"], rolled["slo"], strict=True)) == list(
        zip(full["day"], full["slo"], strict=True)
    )
    for column in full.columns:
        for i, (a, b) in enumerate(zip(rolled[column], full[column], strict=True)):
            assert _same(a, b), (column, a, b, full.iloc[i].to_dict(), rolled.iloc[i].to_dict())
    if tz == "UTC":
        # periods start at UTC midnights, slices divide the day: only a calendar period of
        # another zone needs buckets over its whole period
        assert all(slos[i].period.time_zone != "UTC" for i in plan.fine)
        # and the windows of whole days come from roll-ups: buckets from the first day on,
        # or the day before where a window starts inside it (36 h, 60 h)
        odd = any(s.windows[0].long == timedelta(hours=36) for s in slos)
        assert plan.fine_start == day_bounds(days[0] - timedelta(days=2 if odd else 0), tz)[0]


def test_what_cannot_be_rolled_up_falls_back_to_buckets():
    """A 1-hour slice in Asia/Kolkata (days start at :30) and a period that starts an hour off
    midnight (a rolling period across DST) are evaluated from buckets; the rest from
    roll-ups; a day without a roll-up sends its SLO back to buckets too."""
    tz = "Asia/Kolkata"
    days = [date(2026, 11, 12)]
    hourly = Budgeting(method="timeslices", slice=timedelta(hours=1), slice_target=0.9)
    slos = [make_slo("a-x"), make_slo("b-x", budgeting=hourly)]
    fine = fine_start(slos, days, tz)
    intervals = [
        (s, e) for s, e in local_days(days[0] - timedelta(days=LOOKBACK), days[0], tz) if e <= fine
    ]
    empty = pd.DataFrame(
        {
            "slo": pd.Categorical([], categories=["a-x", "b-x"]),
            "bucket_start": pd.Series(dtype="datetime64[ns, UTC]"),
            "good": [],
            "total": [],
        }
    )
    rollups = day_rollups(empty, slos, intervals, WIDTH_NS)
    assert set(rollups.loc[rollups.slo == "b-x", "budgeting"]) == {"unaligned"}
    plan = status_plan(rollups, slos, days, tz, LOOKBACK)
    assert (plan.rolled, plan.fine) == ([0], [1])
    last_of_a = rollups[rollups.slo == "a-x"].index[-1]
    plan = status_plan(rollups.drop(last_of_a), slos, days, tz, LOOKBACK)  # a day missing
    assert (plan.rolled, plan.fine) == ([], [0, 1])
    berlin = [make_slo("a-x", period=Period.rolling(timedelta(days=28)))]
    spring = [date(2026, 4, 10)]  # 28 days back crosses the change to summer time
    fine = fine_start(berlin, spring, "Europe/Berlin")
    days_before = local_days(spring[0] - timedelta(days=LOOKBACK), spring[0], "Europe/Berlin")
    rollups = day_rollups(empty, berlin, [(s, e) for s, e in days_before if e <= fine], WIDTH_NS)
    assert status_plan(rollups, berlin, spring, "Europe/Berlin", LOOKBACK).fine == [0]


def test_a_changed_slice_target_does_not_use_old_rollups():
    tz, days = "UTC", [date(2026, 11, 12)]
    old = [
        make_slo(
            "a-x",
            budgeting=Budgeting(method="timeslices", slice=timedelta(minutes=5), slice_target=0.9),
        )
    ]
    new = [
        make_slo(
            "a-x",
            budgeting=Budgeting(method="timeslices", slice=timedelta(minutes=5), slice_target=0.99),
        )
    ]
    fine = fine_start(old, days, tz)
    intervals = [
        (s, e) for s, e in local_days(days[0] - timedelta(days=LOOKBACK), days[0], tz) if e <= fine
    ]
    empty = pd.DataFrame(
        {
            "slo": pd.Categorical([], categories=["a-x"]),
            "bucket_start": pd.Series(dtype="datetime64[ns, UTC]"),
            "good": [],
            "total": [],
        }
    )
    rollups = day_rollups(empty, old, intervals, WIDTH_NS)
    assert status_plan(rollups, old, days, tz, LOOKBACK).rolled == [0]
    assert status_plan(rollups, new, days, tz, LOOKBACK).fine == [0]


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin"])
def test_rollup_sums_are_the_days_sums(tz):
    slo = make_slo("a-x")
    day = date(2026, 11, 12)
    start, end = day_bounds(day, tz)
    stamps = pd.date_range(
        start - pd.Timedelta("1h"), end + pd.Timedelta("1h"), freq="5min", inclusive="left"
    )
    events = pd.DataFrame(
        {
            "slo": pd.Categorical(["a-x"] * len(stamps)),
            "bucket_start": stamps,
            "good": 9.0,
            "total": 10.0,
        }
    )
    events.loc[3, "good"] = 11.0  # outside the day: not counted
    events.loc[20, "good"] = 11.0  # inside
    (row,) = day_rollups(events, [slo], [(start, end)], WIDTH_NS).itertuples()
    assert (row.buckets, row.total, row.good_gt_total, row.budgeting) == (
        288,
        2880.0,
        1,
        "occurrences",
    )
    assert row.bad == pytest.approx(288 - 2.0)


def test_a_day_collected_in_part_rolls_up_what_it_has_and_is_not_used_as_whole():
    """Today's partition up to 10:05: an hourly slice ends after it, so that SLO's partial row
    is unaligned; the interval ends at 10:05, so no plan takes it for the whole day."""
    hourly = Budgeting(method="timeslices", slice=timedelta(hours=1), slice_target=0.9)
    slos = [make_slo("a-x"), make_slo("b-x", budgeting=hourly)]
    start = pd.Timestamp("2026-11-12T00:00Z")
    until = start + pd.Timedelta("10h5min")
    stamps = pd.date_range(start, until, freq="5min", inclusive="left")
    events = pd.DataFrame(
        {
            "slo": pd.Categorical(["a-x"] * len(stamps) + ["b-x"] * len(stamps)),
            "bucket_start": stamps.append(stamps),
            "good": 9.0,
            "total": 10.0,
        }
    )
    rows = day_rollups(events, slos, [(start, until)], WIDTH_NS).set_index("slo")
    assert rows.loc["a-x", "total"] == 10.0 * 121 and rows.loc["a-x", "day_end"] == until
    assert rows.loc["b-x", "budgeting"] == "unaligned"
