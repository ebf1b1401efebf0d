"""The hourly collection of today resumes from each SLO's settle point (SQLite, PostgreSQL).

A day collected every hour from where it settled ends with exactly the rows and roll-ups of
one collection of the whole day at the same hour: same rows, roll-ups equal to the last bit,
for every budgeting method, in a zone whose midnight is not on a UTC hour and on a DST day.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.slo.budget.daily import day_bounds
from sre_pipeline.slo.budget.resume import settle_point
from sre_pipeline.slo.model import Budgeting
from sre_pipeline.sources.collector import CollectResult, Failure
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.events_collection import collect_events
from sre_pipeline.warehouse.reads import read_slice
from sre_pipeline_tests.slo.factories import make_slo

WIDTH = timedelta(minutes=5)
OVERLAP = timedelta(hours=1)
SLOS = [
    make_slo("occ-a"),
    make_slo("occ-b"),
    make_slo("ts-x", budgeting=Budgeting(method="timeslices", slice=WIDTH, slice_target=0.99)),
    make_slo(
        "ts-y",
        budgeting=Budgeting(method="timeslices", slice=timedelta(hours=1), slice_target=0.95),
    ),
    make_slo(
        "ts-z", budgeting=Budgeting(method="timeslices", slice=timedelta(hours=2), slice_target=0.9)
    ),
    make_slo("rts-r", budgeting=Budgeting(method="ratio_timeslices", slice=timedelta(minutes=10))),
]


class Source:
    """Prometheus as the collector sees it: deterministic counts per (SLO, bucket), with
    non-integer values (``increase()`` extrapolates) and a few buckets without data; what
    each call asked for is recorded, and SLOs can be made to fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], pd.Timestamp, pd.Timestamp]] = []
        self.failing: set[str] = set()
        self.late: dict[tuple[str, pd.Timestamp], float] = {}  # samples that came in late

    def counts(self, slo: str, starts: pd.DatetimeIndex) -> pd.DataFrame:
        seed = sum(map(ord, slo))
        x = (starts.asi8 // 10**9 // 300 + seed).astype(np.int64)
        total = 100.0 + (x * 7919 % 613) / 7.0
        bad = (x * 104729 % 97 == 0) * total * 0.3 + (x % 13) / 9.0
        frame = pd.DataFrame(
            {"slo": slo, "bucket_start": starts, "good": total - bad, "total": total}
        )
        for (s, at), extra in self.late.items():
            if s == slo:
                frame.loc[frame["bucket_start"] == at, "total"] += extra
        return frame[(x % 41) != 5]  # gaps

    def __call__(self, slos, since, until) -> CollectResult:
        self.calls.append(([s.id for s in slos], since, until))
        starts = pd.date_range(since, until, freq=WIDTH, inclusive="left")
        ok = [s for s in slos if s.id not in self.failing]
        frames = [self.counts(s.id, starts) for s in ok]
        events = pd.concat(frames, ignore_index=True) if frames else _empty()
        failures = [
            Failure(s.id, "total", "t[5m]", "connection refused") for s in slos if s not in ok
        ]
        return CollectResult(events, failures=failures, queries=2 * len(slos))


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {"slo": [], "bucket_start": pd.Series(dtype="datetime64[ns, UTC]"), "good": [], "total": []}
    )


def run(engine, source, slos, day, tz, now, resume=True):
    start, end = day_bounds(day, tz)
    until = min(end, now.floor(WIDTH))
    return collect_events(
        engine, source, slos, [day], tz, (start, end), until, WIDTH, OVERLAP, resume=resume
    )


def content(engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    events = read_slice(engine, tables.sli_events).sort_values(["slo", "bucket_start"])
    rollups = read_slice(engine, tables.slo_daily).sort_values(["slo", "day_start"])
    return events.reset_index(drop=True), rollups.reset_index(drop=True)


def hours(day: date, tz: str, last: int) -> list[pd.Timestamp]:
    """The hourly job's instants (:05 local) from 01:05 to ``last``:05."""
    midnight = day_bounds(day, tz)[0]
    return [midnight + timedelta(hours=h, minutes=5) for h in range(1, last + 1)]


def assert_as_one_whole_collection(engine, resumed, day, tz, now) -> None:
    """``resumed`` (its content) equals, to the last bit, what one collection of the whole
    day at ``now`` stores in an emptied warehouse."""
    with engine.begin() as conn:
        for table in (tables.sli_events, tables.slo_daily):
            conn.execute(table.delete())
    assert run(engine, Source(), SLOS, day, tz, now, resume=False).whole
    for a, b in zip(resumed, content(engine), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize(
    "tz,day", [("Asia/Kolkata", date(2026, 11, 20)), ("Europe/Berlin", date(2026, 10, 25))]
)
def test_hourly_resumed_runs_end_as_one_whole_collection(engine, tz, day):
    source = Source()
    for now in hours(day, tz, 20):
        run(engine, source, SLOS, day, tz, now)
    resumed = content(engine)
    # later runs asked only for the unsettled tail: the hour since the run before, the
    # overlap, and the part of an hour the settle point was rounded down by
    _, since, until = source.calls[-1]
    assert until - since <= timedelta(hours=1) + OVERLAP + timedelta(hours=1)
    queried = sum(len(ids) * (u - s) / WIDTH for ids, s, u in source.calls)
    midnight = day_bounds(day, tz)[0]
    every_run_whole = sum(
        len(SLOS) * (t.floor(WIDTH) - midnight) / WIDTH for t in hours(day, tz, 20)
    )
    assert queried < 0.3 * every_run_whole
    assert_as_one_whole_collection(engine, resumed, day, tz, hours(day, tz, 20)[-1])
    rollups = content(engine)[1].set_index("slo")
    until = hours(day, tz, 20)[-1].floor(WIDTH)
    for slo in SLOS:  # settled an hour back, on a whole hour (two for the 2-hour slices)
        settle = settle_point(day_bounds(day, tz)[0], until, WIDTH, OVERLAP, slo)
        assert pd.Timestamp(rollups.loc[slo.id, "day_end"]) == settle
        assert timedelta(hours=1) <= until - settle < timedelta(hours=3)
    keys = rollups["budgeting"].to_dict()
    assert keys["occ-a"] == "occurrences"
    if tz == "Europe/Berlin":  # midnight on a UTC hour: the hourly slices are whole
        assert keys["ts-y"].startswith("timeslices:3600")
    else:  # midnight at :30 UTC: no hourly slice starts there, the row says so
        assert keys["ts-y"] == "unaligned"


def test_a_rerun_at_the_same_hour_changes_nothing(engine):
    tz, day = "UTC", date(2026, 12, 2)
    source = Source()
    for now in hours(day, tz, 9):
        run(engine, source, SLOS, day, tz, now)
    before = content(engine)
    run(engine, source, SLOS, day, tz, hours(day, tz, 9)[-1])
    after = content(engine)
    for a, b in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_failed_slo_keeps_its_rows_and_resumes_from_its_older_settle_point(engine):
    tz, day = "UTC", date(2026, 12, 2)
    source = Source()
    times = hours(day, tz, 12)
    for now in times[:6]:
        run(engine, source, SLOS, day, tz, now)
    stored = content(engine)
    source.failing = {"occ-b"}
    for now in times[6:9]:
        got = run(engine, source, SLOS, day, tz, now)
        assert got.written.kept == ["occ-b"] and not got.written.complete
    kept = content(engine)
    rows_b = kept[0][kept[0]["slo"] == "occ-b"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        rows_b, stored[0][stored[0]["slo"] == "occ-b"].reset_index(drop=True)
    )
    source.failing = set()
    got = run(engine, source, SLOS, day, tz, times[9])
    assert got.written.complete
    (late,) = [g for g in got.groups if [SLOS[i].id for i in g.slos] == ["occ-b"]]
    # from where its last good run (06:05) settled, an hour back on the hour
    assert late.since == day_bounds(day, tz)[0] + timedelta(hours=5)
    for now in times[10:]:
        run(engine, source, SLOS, day, tz, now)
    assert_as_one_whole_collection(engine, content(engine), day, tz, times[-1])


def test_new_and_edited_slos_start_from_midnight(engine):
    tz, day = "UTC", date(2026, 12, 2)
    source = Source()
    times = hours(day, tz, 8)
    for now in times[:5]:
        run(engine, source, SLOS[:2], day, tz, now)
    edited = make_slo(
        "occ-b", budgeting=Budgeting(method="timeslices", slice=WIDTH, slice_target=0.9)
    )
    got = run(engine, source, [SLOS[0], edited, SLOS[2]], day, tz, times[5])
    by_since = {g.since: sorted(SLOS_ID(g, [SLOS[0], edited, SLOS[2]])) for g in got.groups}
    midnight = day_bounds(day, tz)[0]
    assert by_since[midnight] == ["occ-b", "ts-x"]  # the edited slice, the new SLO
    assert by_since[midnight + timedelta(hours=4)] == ["occ-a"]  # where 05:05 settled
    rollups = content(engine)[1].set_index("slo")
    assert rollups.loc["occ-b", "budgeting"] == "timeslices:300:0.9"


def SLOS_ID(group, slos):  # noqa: N802 - reads as the list it is
    return [slos[i].id for i in group.slos]


def test_a_late_sample_inside_the_overlap_is_collected_again(engine):
    tz, day = "UTC", date(2026, 12, 2)
    source = Source()
    times = hours(day, tz, 6)
    for now in times[:5]:  # up to 05:05: settled to 04:00
        run(engine, source, SLOS[:1], day, tz, now)
    at = day_bounds(day, tz)[0] + timedelta(hours=4, minutes=30)  # unsettled: re-collected
    settled = day_bounds(day, tz)[0] + timedelta(hours=2)  # settled: left for the status job
    source.late = {("occ-a", at): 50.0, ("occ-a", settled): 50.0}
    run(engine, source, SLOS[:1], day, tz, times[5])
    events = content(engine)[0].set_index("bucket_start")
    fresh = source.counts("occ-a", pd.DatetimeIndex([at, settled])).set_index("bucket_start")
    assert events.loc[at, "total"] == fresh.loc[at, "total"]
    assert events.loc[settled, "total"] == pytest.approx(fresh.loc[settled, "total"] - 50.0)
