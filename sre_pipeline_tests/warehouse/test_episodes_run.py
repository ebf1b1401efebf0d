"""burn_alerts' read on SQLite and PostgreSQL: a day's episodes from three days of buckets and
the daily roll-ups equal the episodes from every bucket, and an SLO without the roll-ups of
its days reads all of them."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.daily import daily_episodes, day_bounds, local_days
from sre_pipeline.slo.budget.rollup import day_rollups
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.episodes_run import run_episodes
from sre_pipeline.warehouse.reads import read_slice
from sre_pipeline.warehouse.writes import Slice, insert_missing, replace_slice
from sre_pipeline_tests.slo.factories import bursty_events, in_plan_read, make_slo

WIDTH = timedelta(minutes=5)
TZ = "Europe/Berlin"
DAY = date(2026, 10, 25)  # the day clocks go back: 25 hours
SLOS = [make_slo(f"s{i}-x") for i in range(4)]


def history(first: date, last: date) -> pd.DataFrame:
    """Poisson traffic with error bursts (so episodes start on every day), gaps included."""
    rng = np.random.default_rng(7)
    start, end = day_bounds(first, TZ)[0], day_bounds(last, TZ)[1]

    def bursts(slo, n):
        return [(at, rng.integers(6, 200), 0.2) for at in rng.integers(0, n, 12)]

    return bursty_events(SLOS, start, end, rng, 0.0005, bursts, 0.03)


def store(engine, events: pd.DataFrame, rollup_slos) -> None:
    """The events, and the roll-ups of every day for ``rollup_slos``, as collections write."""
    start, end = events["bucket_start"].min(), events["bucket_start"].max() + WIDTH
    replace_slice(engine, tables.sli_events, events, Slice("bucket_start", start, end))
    days = local_days(start.tz_convert(TZ).date(), (end - WIDTH).tz_convert(TZ).date(), TZ)
    slos = [s for s in SLOS if s.id in rollup_slos]
    rollups = day_rollups(events[events["slo"].isin(rollup_slos)], slos, days, 300 * 10**9)
    insert_missing(engine, tables.slo_daily, rollups, "day_start", "slo")


def test_a_days_episodes_read_three_days_and_equal_those_from_every_bucket(engine):
    events = history(DAY - timedelta(days=8), DAY)
    store(engine, events, [s.id for s in SLOS[:3]])  # s3-x has no roll-ups
    now = day_bounds(DAY, TZ)[1] + timedelta(minutes=20)  # the daily run, just after midnight
    run = run_episodes(engine, SLOS, [DAY], TZ, WIDTH, now)
    full = daily_episodes(events, SLOS, [DAY], TZ, WIDTH, run.data_end)
    assert len(full) > 0
    pd.testing.assert_frame_equal(run.episodes, full, check_exact=False, rtol=1e-9)
    stored = read_slice(engine, tables.burn_alert_episodes)
    assert len(stored) == len(full)
    assert run.data_end == day_bounds(DAY, TZ)[1]  # the end of the data, not the clock
    assert run.plan.rolled == [0, 1, 2] and run.plan.fine == [3]
    # the rolled SLOs read the day, the day before and three days back (a hole two days back)
    (hole,) = run.plan.holes
    assert hole.day_start == day_bounds(DAY - timedelta(days=2), TZ)[0]
    assert run.rows_read == int(in_plan_read(events, run.plan).sum())
    ts = events["bucket_start"]
    start = day_bounds(DAY, TZ)[0]
    before = int(((ts >= start - timedelta(days=4)) & (ts < start + timedelta(days=4))).sum())
    assert run.rows_read < 0.7 * before  # what the asset read before: 5 days of every SLO
    again = run_episodes(engine, SLOS, [DAY], TZ, WIDTH, now)  # idempotent
    pd.testing.assert_frame_equal(read_slice(engine, tables.burn_alert_episodes), stored)
    assert len(again.episodes) == len(full)


def test_without_any_data_there_are_no_episodes(engine):
    run = run_episodes(engine, SLOS, [DAY], TZ, WIDTH, day_bounds(DAY, TZ)[1])
    assert run.episodes.empty and run.rows_read == 0
