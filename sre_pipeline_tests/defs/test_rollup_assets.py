"""Daily roll-ups in the assets: written with the events, used by ``slo_status`` (the same
figures as from buckets), rebuilt after an upgrade, and kept when a re-collection fails."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.sources.collector import CollectResult, Failure
from sre_pipeline_tests.defs.pipeline import pipeline, range_tags
from sre_pipeline_tests.defs.test_assets import DAY, FakeSource, resources, table  # noqa: F401

FIRST = "2026-10-05"  # 36 days before DAY: the whole look-back of the 30-day SLO


def _meta(result) -> dict:
    return {
        k: v.value
        for k, v in result.asset_materializations_for_node("slo_status")[0].metadata.items()
    }


def _status(p) -> tuple[dict, pd.DataFrame]:
    result = p.materialize(["slo_status"], partition_key=DAY)
    assert result.success
    return _meta(result), table(p.resources, "slo_status")


def _execute(engine_url: str, sql: str) -> None:
    engine = sa.create_engine(engine_url)
    with engine.begin() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def test_rollups_are_written_with_events_and_give_the_same_status(resources):  # noqa: F811
    p = pipeline(resources)
    tags = range_tags(FIRST, DAY)
    assert p.materialize(["sli_events"], tags=tags).success
    daily = table(resources, "slo_daily")
    assert len(daily) == 2 * 37 and set(daily["buckets"]) == {288}
    assert set(daily["budgeting"]) == {"occurrences"}
    incident = daily[(daily.slo == "shop-availability") & (daily.total > 0)]
    assert incident["bad"].max() == 30 * 24  # the two-hour incident on DAY

    meta, rolled = _status(p)
    assert (meta["slos_from_rollups"], meta["slos_from_buckets"]) == (2, 0)
    # as after an upgrade: no roll-ups; the status comes from buckets, the same figures,
    # and stores the missing days for the next run
    _execute(resources["warehouse"].url, "DELETE FROM slo_daily")
    meta, from_buckets = _status(p)
    assert (meta["slos_from_rollups"], meta["slos_from_buckets"]) == (0, 2)
    assert meta["rollups_stored"] > 0
    numeric = rolled.select_dtypes("number").columns
    pd.testing.assert_frame_equal(rolled[numeric], from_buckets[numeric], rtol=1e-12)
    assert rolled["alerts"].tolist() == from_buckets["alerts"].tolist()
    meta, again = _status(p)
    assert (meta["slos_from_rollups"], meta["slos_from_buckets"]) == (2, 0)
    pd.testing.assert_frame_equal(again[numeric], rolled[numeric], rtol=1e-12)


class FailingSource(FakeSource):
    """Prometheus answers for one SLO and fails for the other."""

    def events(self, slos, start, end, width) -> CollectResult:
        result = super().events(slos, start, end, width)
        events = result.events[result.events["slo"] != "shop-checkout"]
        failure = Failure("shop-checkout", "total", "sum(rate(all[5m]))", "server down")
        return CollectResult(events=events, failures=[failure])


def test_a_failed_recollection_keeps_the_days_rollups(resources):  # noqa: F811
    p = pipeline(resources)
    assert p.materialize(["sli_events"], partition_key=DAY).success
    before = table(resources, "slo_daily")
    p.resources["source"] = FailingSource()
    failing = pipeline(p.resources)
    assert not failing.materialize(["sli_events"], partition_key=DAY, raise_on_error=False).success
    pd.testing.assert_frame_equal(table(resources, "slo_daily"), before)
