"""Each partition shows its own figures, also inside a multi-day run, and a day without data
says "no data" and fails its status check instead of turning green with NaN."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from sre_pipeline.defs.resources import (
    PipelineSettings,
    QualityResource,
    SLISource,
    WarehouseResource,
)
from sre_pipeline.sources.capacity import CapacityResult
from sre_pipeline.sources.collector import CollectResult
from sre_pipeline_tests.defs.pipeline import pipeline, range_tags
from sre_pipeline_tests.slo.factories import SHOP_SPEC, constant_events, set_bad

GAPPY, BURNING, EMPTY = "2026-11-09", "2026-11-10", "2026-11-11"


class Source(SLISource):
    """GAPPY misses 4 hours, BURNING has a 2-hour incident, EMPTY has no data at all."""

    def events(self, slos, start, end, width) -> CollectResult:
        frame = constant_events(slos[0].id, start, end)
        frame = set_bad(frame, f"{BURNING}T10:00Z", f"{BURNING}T12:00Z", 30.0)
        t = frame["bucket_start"]
        gap = (t >= pd.Timestamp(f"{GAPPY}T02:00Z")) & (t < pd.Timestamp(f"{GAPPY}T06:00Z"))
        empty = (t >= pd.Timestamp(EMPTY, tz="UTC")) & (
            t < pd.Timestamp(EMPTY, tz="UTC") + pd.Timedelta(days=1)
        )
        return CollectResult(events=frame[~gap & ~empty].reset_index(drop=True), queries=0)

    def capacity(self, resources, start, end) -> CapacityResult:
        return CapacityResult(pd.DataFrame(columns=["resource", "ts", "utilisation", "capacity"]))


@pytest.fixture
def p(tmp_path):
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "shop.yaml").write_text(SHOP_SPEC)
    res = {
        "settings": PipelineSettings(slos=[str(tmp_path / "slos")], capacity=None),
        "source": Source(),
        "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path}/w.db"),
        "quality": QualityResource(),
    }
    p = pipeline(res)
    assert p.materialize(["slo_catalog"]).success
    return p


def by_day(result, asset: str) -> dict[str, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == asset:
            meta = event.step_materialization_data.materialization.metadata
            out[event.partition] = {k: v.value for k, v in meta.items()}
    return out


def checks_by_day(result, name: str) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.partition: e for e in result.get_asset_check_evaluations() if e.check_name == name}


def all_text(metadata: dict) -> str:
    return " ".join(str(v) for v in metadata.values()).lower()


def test_two_days_of_one_run_show_their_own_figures(p):
    result = p.materialize(
        ["sli_events", "slo_status"],
        ("check_sli_events",),
        tags=range_tags(GAPPY, BURNING),
        raise_on_error=False,
    )
    events = by_day(result, "sli_events")
    assert events[GAPPY]["dagster/row_count"] == 288 - 48
    assert events[BURNING]["dagster/row_count"] == 288
    assert events[GAPPY]["coverage"] == round(240 / 288, 4) and events[BURNING]["coverage"] == 1.0
    checks = checks_by_day(result, "check_sli_events")
    assert not checks[GAPPY].passed and checks[GAPPY].severity == dg.AssetCheckSeverity.WARN
    assert checks[BURNING].passed
    assert checks[GAPPY].metadata["warnings"].value == 1
    status = by_day(result, "slo_status")
    assert status[GAPPY]["worst_budgets"] != status[BURNING]["worst_budgets"]
    assert status[BURNING]["at_risk"] == 1 and status[GAPPY]["at_risk"] == 0
    assert "shop-availability" in status[BURNING]["at_risk_slos"]


def test_a_day_without_data_says_no_data_and_fails_its_status_check(p):
    p.materialize(["sli_events"], partition_key=BURNING)
    result = p.materialize(
        ["sli_events", "slo_status"],
        ("check_slo_status",),
        partition_key=EMPTY,
        raise_on_error=False,
    )
    (check,) = checks_by_day(result, "check_slo_status").values()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "status day has data" in check.metadata["failed_expectations"].value
    assert not result.success  # blocking: the run says so
    status = by_day(result, "slo_status")[EMPTY]
    assert status["data"] == "no data"
    events = by_day(result, "sli_events")[EMPTY]
    assert events["dagster/row_count"] == 0 and events["coverage"] == 0.0
    assert "shop-availability" in str(events["slos_without_data"])
    for metadata in (status, events):
        assert "nan" not in all_text(metadata)


def test_a_status_with_no_events_in_its_period_reads_no_data_not_nan(p):
    result = p.materialize(["sli_events", "slo_status"], partition_key=EMPTY, raise_on_error=False)
    status = by_day(result, "slo_status")[EMPTY]
    assert status["slos_without_data"] == ["shop-availability"]
    assert "no data" in status["worst_budgets"] and "nan" not in all_text(status)
