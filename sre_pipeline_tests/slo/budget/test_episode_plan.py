"""Alert episodes from a few days of buckets and the daily roll-ups equal the episodes from
every bucket: every budgeting method, Google's and odd windows, time zones with DST and
half-hour offsets, gaps, one day or several, an episode still firing at the end."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sre_pipeline.slo.budget.daily import daily_episodes, day_bounds, local_days
from sre_pipeline.slo.budget.episode_plan import episode_geometry, episode_plan
from sre_pipeline.slo.budget.episodes import alert_episodes
from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.budget.rollup import day_rollups
from sre_pipeline.slo.periods import Period
from sre_pipeline.slo.windows import WindowPair
from sre_pipeline_tests.slo.budget.test_rollups import BUDGETING, WINDOWS
from sre_pipeline_tests.slo.factories import bursty_events, in_plan_read, make_slo

WIDTH = timedelta(minutes=5)
WIDTH_NS = 300 * 10**9
ODD = [  # windows four and two days long: a hole a day back and three days back
    WindowPair(timedelta(days=4), timedelta(hours=2), 1.5, "page"),
    WindowPair(timedelta(days=2), timedelta(minutes=30), 1.0, "ticket"),
]


@st.composite
def cases(draw):
    """A time zone, 1-3 days, 2-4 SLOs with random traffic, bursts of errors (episodes),
    gaps, and a data end on the last day or later."""
    tz = draw(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York"]))
    first = draw(st.sampled_from([date(2026, 3, 28), date(2026, 11, 12), date(2026, 10, 24)]))
    # mostly one day, the daily run, whose episodes leave holes to fill
    days = [first + timedelta(days=i) for i in range(draw(st.sampled_from([1, 1, 1, 2, 3])))]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    slos = [
        make_slo(
            f"s{i}-x",
            objective=draw(st.sampled_from([0.99, 0.999])),
            period=Period.rolling(timedelta(days=28)),
            budgeting=draw(st.sampled_from(BUDGETING)),
            windows=draw(st.sampled_from([*WINDOWS, ODD])),
        )
        for i in range(draw(st.integers(2, 4)))
    ]
    start = day_bounds(days[0] - timedelta(days=8), tz)[0]
    end = day_bounds(days[-1] + timedelta(days=4), tz)[1]
    burst_rates = st.sampled_from([0.05, 0.3, 0.9])
    n_bursts = draw(st.integers(0, 6))

    def bursts(slo, n):  # long and short
        return [
            (rng.integers(0, n), rng.integers(3, 600), draw(burst_rates)) for _ in range(n_bursts)
        ]

    events = bursty_events(
        slos,
        start,
        end,
        rng,
        draw(st.sampled_from([0.001, 0.01, 0.05])),
        bursts,
        draw(st.sampled_from([0.0, 0.05, 0.5])),
    )
    last_end = day_bounds(days[-1], tz)[1]
    data_end = last_end + draw(st.sampled_from([-timedelta(hours=7), timedelta(0), timedelta(2)]))
    return tz, days, slos, events[events["bucket_start"] < data_end], data_end


def planned(tz, days, slos, events, data_end):
    """What the burn_alerts asset does: a plan, the pieces' buckets, the roll-ups."""
    first = day_bounds(days[0] - timedelta(days=8), tz)[0]
    intervals = local_days(first.date(), days[-1] + timedelta(days=4), tz)
    rollups = day_rollups(events, slos, intervals, WIDTH_NS)
    until = min(data_end, day_bounds(days[-1], tz)[1] + timedelta(days=3))
    plan = episode_plan(rollups, slos, days, tz, WIDTH, until)
    read = in_plan_read(events, plan)
    return daily_episodes(events[read], slos, days, tz, WIDTH, data_end, plan), plan, read


def reference(tz, days, slos, events, data_end):
    """The episodes of a long evaluation (from four days before) that start in ``days``."""
    start, last = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    until = min(data_end, last + timedelta(days=3))
    ev = Evaluator(events, slos, start - timedelta(days=4), until, width=WIDTH)
    episodes = alert_episodes(ev, start - timedelta(days=4), until)
    keep = (episodes["start"] >= start) & (episodes["start"] < last)
    return episodes[keep].reset_index(drop=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_episodes_from_pieces_and_rollups_equal_episodes_from_every_bucket(case):
    tz, days, slos, events, data_end = case
    full = daily_episodes(events, slos, days, tz, WIDTH, data_end)
    # empty frames of no episodes differ in dtypes only
    pd.testing.assert_frame_equal(
        full, reference(tz, days, slos, events, data_end), check_dtype=len(full) > 0
    )
    got, plan, _ = planned(tz, days, slos, events, data_end)
    pd.testing.assert_frame_equal(
        got, full, check_exact=False, rtol=1e-9, check_dtype=len(full) > 0
    )
    assert sorted(plan.rolled + plan.fine) == list(range(len(slos)))


def test_one_day_of_google_windows_reads_three_days_and_two_buckets():
    slos = [make_slo("a-x"), make_slo("b-x")]
    day = date(2026, 11, 12)
    until = day_bounds(day, "UTC")[1]
    _, pieces, holes = episode_geometry(slos, [day], "UTC", WIDTH, until)
    read = sum((hi - lo for lo, hi in pieces), timedelta(0))
    assert read == timedelta(days=3, minutes=10)
    (hole,) = holes
    assert hole.day_start == pd.Timestamp("2026-11-10", tz="UTC")
    assert (hole.start, hole.end) == (
        pd.Timestamp("2026-11-10", tz="UTC"),
        pd.Timestamp("2026-11-10 23:55", tz="UTC"),
    )


def test_several_days_leave_no_hole_and_a_missing_rollup_reads_every_bucket():
    slos = [make_slo("a-x"), make_slo("b-x")]
    days = [date(2026, 11, 12), date(2026, 11, 13), date(2026, 11, 14)]
    until = day_bounds(days[-1], "UTC")[1]
    assert episode_geometry(slos, days, "UTC", WIDTH, until)[2] == []
    one = [days[-1]]
    empty = day_rollups(
        pd.DataFrame(
            {"slo": [], "bucket_start": pd.to_datetime([], utc=True), "good": [], "total": []}
        ),
        slos,
        [day_bounds(date(2026, 11, 12), "UTC")],
        WIDTH_NS,
    )
    only_a = empty[empty["slo"] == "a-x"]
    plan = episode_plan(only_a, slos, one, "UTC", WIDTH, until)
    assert plan.rolled == [0] and plan.fine == [1]


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata"])
def test_an_hourly_timeslice_slo_keeps_its_holes_on_whole_slices(tz):
    slo = make_slo("a-x").model_copy(update={"budgeting": BUDGETING[2]})
    day = date(2026, 11, 12)
    _, _, holes = episode_geometry([slo], [day], tz, WIDTH, day_bounds(day, tz)[1])
    hour = 3600 * 10**9
    assert holes and all(h.start.value % hour == 0 and h.end.value % hour == 0 for h in holes)
