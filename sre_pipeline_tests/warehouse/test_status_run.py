"""slo_status's read on SQLite and PostgreSQL: buckets a collection of the same run has just
written (``Known``) are taken as they are, and the status is exactly the one read back."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from sre_pipeline.slo.budget.daily import day_bounds, local_days
from sre_pipeline.slo.budget.rollup import day_rollups
from sre_pipeline.slo.model import Period
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.reads import read_slice
from sre_pipeline.warehouse.status_run import Known, run_status
from sre_pipeline.warehouse.writes import Slice, insert_missing, replace_slice
from sre_pipeline_tests.slo.factories import bursty_events, make_slo

WIDTH = timedelta(minutes=5)
TZ = "Europe/Berlin"
DAYS = [date(2026, 10, 21), date(2026, 10, 22)]
SLOS = [make_slo(f"s{i}-x", period=Period.rolling(timedelta(days=7))) for i in range(4)]
LOOKBACK = 8


def store_history() -> pd.DataFrame:
    """Eight days of bursty traffic before and over ``DAYS``, stored; roll-ups of every day
    for all SLOs but ``s3-x`` (read from buckets over its period)."""
    rng = np.random.default_rng(11)
    start, end = day_bounds(DAYS[0] - timedelta(days=7), TZ)[0], day_bounds(DAYS[-1], TZ)[1]

    def bursts(slo, n):
        return [(at, rng.integers(6, 200), 0.2) for at in rng.integers(0, n, 12)]

    return bursty_events(SLOS, start, end, rng, 0.0005, bursts, 0.03)


def store(engine, events: pd.DataFrame) -> None:
    start, end = events["bucket_start"].min(), events["bucket_start"].max() + WIDTH
    replace_slice(engine, tables.sli_events, events, Slice("bucket_start", start, end))
    days = local_days(start.tz_convert(TZ).date(), (end - WIDTH).tz_convert(TZ).date(), TZ)
    rolled = SLOS[:3]
    part = events[events["slo"].isin([s.id for s in rolled])]
    insert_missing(engine, tables.slo_daily, day_rollups(part, rolled, days, 300 * 10**9),
                   "day_start", "slo")  # fmt: skip


def _in(frame: pd.DataFrame) -> pd.DataFrame:
    start, end = day_bounds(DAYS[0], TZ)[0], day_bounds(DAYS[-1], TZ)[1]
    return frame[(frame["bucket_start"] >= start) & (frame["bucket_start"] < end)]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype({"slo": object}).sort_values(["slo", "bucket_start"])
    return out.reset_index(drop=True)


def test_buckets_in_hand_give_the_status_read_back(engine):
    events = store_history()
    store(engine, events)
    read = run_status(engine, SLOS, DAYS, TZ, WIDTH, LOOKBACK)
    stored = read_slice(engine, tables.slo_status)
    start, end = day_bounds(DAYS[0], TZ)[0], day_bounds(DAYS[-1], TZ)[1]
    ts = events["bucket_start"]
    rng = np.random.default_rng(3)
    windows = {
        "the days": (start, end),
        "the last day only": (day_bounds(DAYS[-1], TZ)[0], end),
        "up to 17:05 of the last day": (start, day_bounds(DAYS[-1], TZ)[0] + timedelta(hours=17)),
    }
    for name, (lo, hi) in windows.items():
        part = events[(ts >= lo) & (ts < hi)]
        part = part.iloc[rng.permutation(len(part))]  # as a collection hands it: any order
        known = run_status(engine, SLOS, DAYS, TZ, WIDTH, LOOKBACK, Known(part, lo, hi))
        pd.testing.assert_frame_equal(known.status, read.status, check_exact=True, obj=name)
        # (the first run stored s3-x's missing roll-ups: the later ones read fewer buckets)
        pd.testing.assert_frame_equal(_sorted(_in(known.events)), _sorted(_in(read.events)))
        assert list(known.events["slo"].cat.categories) == [s.id for s in SLOS]
        pd.testing.assert_frame_equal(read_slice(engine, tables.slo_status), stored, obj=name)
        in_hand = len(known.events) - known.rows_read
        assert in_hand == len(_in(part)) > 0 and known.rows_read == len(known.events) - len(part)
    assert read.rows_read == len(read.events)
    assert read.from_rollups == [s.id for s in SLOS[:3]] and read.from_buckets == ["s3-x"]
