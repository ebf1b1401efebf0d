"""The hourly job on today's partition: each run collects from where the day settled, its
check validates only those rows when the earlier ones are what a kept check passed, and the
UI's figures stay the day's own."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.defs.resources import PipelineSettings
from sre_pipeline.warehouse import schema as tables
from sre_pipeline_tests.defs.pipeline import pipeline
from sre_pipeline_tests.defs.test_checks import DAY, _reads, resources

MIDNIGHT = pd.Timestamp(DAY, tz="UTC")


def at(hour: int, minute: int = 5) -> dict:
    """The pipeline's resources with the clock at ``hour:minute`` of DAY."""
    return {"clock": f"{DAY}T{hour:02d}:{minute:02d}:00Z"}


def hourly(tmp_path, broken: bool = False):
    res = resources(tmp_path, broken=broken)
    base = res["settings"]

    def run(hour: int, **kwargs):
        res["settings"] = PipelineSettings(slos=base.slos, capacity=None, **at(hour))
        p = pipeline(res)
        return p.materialize(
            ["sli_events"],
            ("check_sli_events",),
            catalog=False,
            partition_key=DAY,
            raise_on_error=False,
            **kwargs,
        )

    pipeline(res).materialize(["slo_catalog"])
    return res, run


def _validated(monkeypatch) -> list[int]:
    """The number of rows each events suite validated."""
    from sre_pipeline.quality import report

    sizes: list[int] = []
    real = report.events_suite

    def spy(frame, *args, **kwargs):
        sizes.append(len(frame))
        return real(frame, *args, **kwargs)

    monkeypatch.setattr(report, "events_suite", spy)
    return sizes


def _source_calls(res, monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    cls = type(res["source"])
    real = cls.events

    def spy(self, slos, start, end, width):
        calls.append((pd.Timestamp(start), pd.Timestamp(end)))
        return real(self, slos, start, end, width)

    monkeypatch.setattr(cls, "events", spy)
    return calls


def test_each_hour_collects_its_tail_and_checks_only_the_new_rows(tmp_path, monkeypatch):
    res, run = hourly(tmp_path)
    first = run(9)
    assert first.success
    calls, reads, sizes = (
        _source_calls(res, monkeypatch),
        _reads(monkeypatch),
        _validated(monkeypatch),
    )
    second = run(10)
    assert second.success
    # settled at 08:00 by the 09:05 run: collected from there, 25 buckets, none read back
    # (only what may be stored after now, nothing)
    assert calls == [
        (MIDNIGHT + pd.Timedelta(hours=8), MIDNIGHT + pd.Timedelta(hours=10, minutes=5))
    ]
    assert reads == [
        (MIDNIGHT + pd.Timedelta(hours=10, minutes=5), MIDNIGHT + pd.Timedelta(days=1))
    ]
    assert sizes == [25]
    (evaluation,) = second.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.metadata["rows"].value == 121  # the day's rows
    (mat,) = second.get_asset_materialization_events()
    meta = mat.materialization.metadata
    assert meta["dagster/row_count"].value == 121 and meta["coverage"].value == 1.0
    assert meta["collected_from"].value == (MIDNIGHT + pd.Timedelta(hours=8)).isoformat()


def test_a_failed_check_is_not_trusted_by_the_next_hour(tmp_path, monkeypatch):
    """Bad rows in the settled morning fail the 09:05 check; the 10:05 run collects only
    its tail, but validates the whole day again, so the day still fails."""
    res, run = hourly(tmp_path, broken=True)
    first = run(9)
    assert not first.success
    res["source"] = type(res["source"])(broken=False)  # the tail is clean now
    reads, sizes = _reads(monkeypatch), _validated(monkeypatch)
    second = run(10)
    (evaluation,) = second.get_asset_check_evaluations()
    assert not evaluation.passed  # the three bad buckets at midnight are still there
    assert reads == [(MIDNIGHT, MIDNIGHT + pd.Timedelta(days=1))] and sizes == [121]


def test_a_check_from_another_process_or_the_upgrade_is_not_trusted(tmp_path, monkeypatch):
    res, run = hourly(tmp_path)
    assert run(9).success
    engine = sa.create_engine(res["warehouse"].url)
    with engine.begin() as conn:  # as kept before migration 0014: nothing says what it saw
        conn.execute(sa.update(tables.quality_results).values(settled=None))
    sizes = _validated(monkeypatch)
    assert run(10).success
    assert sizes == [121]
    sizes.clear()
    assert run(11).success  # and from then on the new rows only again
    assert sizes == [25]


def test_an_hour_rerun_leaves_the_warehouse_as_it_was(tmp_path):
    res, run = hourly(tmp_path)
    for hour in (9, 10):
        assert run(hour).success
    engine = sa.create_engine(res["warehouse"].url)

    def content():
        with engine.connect() as conn:
            return [
                conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
                for t in (tables.sli_events, tables.slo_daily)
            ]

    before = content()
    assert run(10).success
    assert content() == before


def test_backfill_force_collects_today_whole(tmp_path, monkeypatch):
    from sre_pipeline.defs.collection_assets import WHOLE_DAY_TAG

    res, run = hourly(tmp_path)
    assert run(9).success
    calls = _source_calls(res, monkeypatch)
    assert run(10, tags={WHOLE_DAY_TAG: "true"}).success
    assert calls == [(MIDNIGHT, MIDNIGHT + pd.Timedelta(hours=10, minutes=5))]
