"""Blocking data-quality checks in real Dagster runs (GX under the hood)."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from sre_pipeline.defs.resources import (
    PipelineSettings,
    QualityResource,
    SLISource,
    WarehouseResource,
)
from sre_pipeline.sources.capacity import CapacityResult
from sre_pipeline.sources.collector import CollectResult
from sre_pipeline_tests.defs.contract import CHECKS
from sre_pipeline_tests.defs.pipeline import pipeline
from sre_pipeline_tests.slo.factories import SHOP_SPEC, constant_events

DAY = "2026-11-10"


class Source(SLISource):
    """Constant traffic; ``broken`` makes 3 buckets report more good than total events."""

    broken: bool = False

    def events(self, slos, start, end, width) -> CollectResult:
        frame = constant_events(slos[0].id, start, end)
        if self.broken:
            frame.loc[frame.index[:3], "good"] = frame.loc[frame.index[:3], "total"] + 5
        return CollectResult(events=frame, queries=0)

    def capacity(self, resources, start, end) -> CapacityResult:
        return CapacityResult(pd.DataFrame(columns=["resource", "ts", "utilisation", "capacity"]))


def resources(tmp_path, broken: bool) -> dict:
    (tmp_path / "slos").mkdir(exist_ok=True)
    (tmp_path / "slos" / "shop.yaml").write_text(SHOP_SPEC)
    return {
        "settings": PipelineSettings(slos=[str(tmp_path / "slos")], capacity=None),
        "source": Source(broken=broken),
        "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path}/w.db"),
        "quality": QualityResource(),
    }


def test_clean_partition_passes_and_downstream_runs(tmp_path):
    p = pipeline(resources(tmp_path, broken=False))
    p.materialize(["slo_catalog"])
    result = p.materialize(
        ["sli_events", "slo_status"], ("check_sli_events",), catalog=False, partition_key=DAY
    )
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.metadata["rows"].value == 288
    keys = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    assert keys == {"sli_events", "slo_status"}


def test_good_above_total_fails_with_error_and_blocks_status(tmp_path):
    p = pipeline(resources(tmp_path, broken=True))
    p.materialize(["slo_catalog"])
    result = p.materialize(
        ["sli_events", "slo_status"],
        ("check_sli_events",),
        catalog=False,
        partition_key=DAY,
        raise_on_error=False,
    )
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    failed = evaluation.metadata["failed_expectations"].value
    assert any("good" in name and "total" in name for name in failed)
    assert 3 in evaluation.metadata["unexpected"].value.values()
    assert "FAILED" in evaluation.metadata["report"].value
    keys = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    assert keys == {"sli_events"}  # slo_status never computed from the bad partition


def test_checks_are_blocking_and_registered():
    from sre_pipeline.definitions import defs

    built = defs()
    graph = built.resolve_asset_graph()
    keys = {k.name: k.asset_key.to_user_string() for k in graph.asset_check_keys}
    assert keys == CHECKS
    assert all(spec.blocking for check in built.asset_checks for spec in check.check_specs)


def test_coverage_threshold_comes_from_the_settings(tmp_path):
    res = resources(tmp_path, broken=False)
    res["settings"] = PipelineSettings(
        slos=res["settings"].slos, capacity=None, coverage_threshold=1.0
    )
    res["source"] = Source()
    pipeline(res).materialize(["slo_catalog"])

    class Gappy(Source):
        def events(self, slos, start, end, width) -> CollectResult:
            result = super().events(slos, start, end, width)
            return CollectResult(events=result.events.iloc[10:], queries=0)

    res["source"] = Gappy()
    result = pipeline(res).materialize(
        ["sli_events", "slo_status"], ("check_sli_events",), partition_key=DAY
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert any(
        "coverage" in name and "100%" in name
        for name in evaluation.metadata["failed_expectations"].value
    )
    assert result.success  # a warning does not block slo_status


def _reads(monkeypatch) -> list[tuple]:
    """Every read of events the checks make, as (start, end)."""
    from sre_pipeline.defs import checks

    calls: list[tuple] = []
    real = checks.read_events

    def spy(engine, start, end, slos=None):
        calls.append((pd.Timestamp(start), pd.Timestamp(end)))
        return real(engine, start, end, slos)

    monkeypatch.setattr(checks, "read_events", spy)
    return calls


def _verdict(evaluation) -> tuple:
    meta = evaluation.metadata
    return (evaluation.passed, meta["rows"].value, meta["failed_expectations"].value)


def test_checks_validate_what_the_step_had_without_reading_it_back(tmp_path, monkeypatch):
    """In one run the checks take the frames their steps handed over, and say of them what
    they say of the same rows read back from the warehouse (the path of a check run on its
    own, or in another process)."""
    from sre_pipeline.defs import handoff

    verdicts = {}
    for broken in (False, True):
        for handed in (True, False):
            folder = tmp_path / f"{broken}-{handed}"
            folder.mkdir()
            p = pipeline(resources(folder, broken=broken))
            p.materialize(["slo_catalog"])
            if not handed:
                monkeypatch.setattr(handoff, "give", lambda *a, **k: None)
            reads = _reads(monkeypatch)
            result = p.materialize(
                ["sli_events", "slo_status"],
                ("check_sli_events", "check_slo_status"),
                catalog=False,
                partition_key=DAY,
                raise_on_error=False,
            )
            assert len(reads) == (0 if handed else 1 if broken else 2)
            evaluations = result.get_asset_check_evaluations()
            verdicts[broken, handed] = sorted((e.check_name, *_verdict(e)) for e in evaluations)
            monkeypatch.undo()
        assert verdicts[broken, True] == verdicts[broken, False]
    assert [v[1] for v in verdicts[True, True]] == [False]  # the broken day failed its check
    assert [v[1] for v in verdicts[False, True]] == [True, True]


def test_a_handed_over_day_collected_up_to_now_reads_the_rest_of_the_day(tmp_path, monkeypatch):
    res = resources(tmp_path, broken=False)
    res["settings"] = PipelineSettings(
        slos=res["settings"].slos, capacity=None, clock=f"{DAY}T12:00:00Z"
    )
    p = pipeline(res)
    p.materialize(["slo_catalog"])
    reads = _reads(monkeypatch)
    result = p.materialize(["sli_events"], ("check_sli_events",), catalog=False, partition_key=DAY)
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.metadata["rows"].value == 144  # the half day collected
    day = pd.Timestamp(DAY, tz="UTC")
    assert reads == [(day + pd.Timedelta(hours=12), day + pd.Timedelta(days=1))]


def test_the_events_check_takes_the_validation_its_collection_sent_ahead(tmp_path, monkeypatch):
    """The collection sends its rows to the GX worker before writing them; the check, which
    validates the same rows, reuses that answer, and says what it says without it."""
    from sre_pipeline.quality import gx_worker

    verdicts = {}
    try:
        for broken in (False, True):
            for ahead in (True, False):
                folder = tmp_path / f"{broken}-{ahead}"
                folder.mkdir()
                p = pipeline(resources(folder, broken=broken))
                p.materialize(["slo_catalog"])
                if not ahead:
                    monkeypatch.setattr(gx_worker, "prefetch", lambda *a, **k: False)
                before = dict(gx_worker.STATS)
                result = p.materialize(
                    ["sli_events"],
                    ("check_sli_events",),
                    catalog=False,
                    partition_key=DAY,
                    raise_on_error=False,
                )
                reused = gx_worker.STATS["reused"] - before["reused"]
                assert reused == (1 if ahead else 0)
                (evaluation,) = result.get_asset_check_evaluations()
                verdicts[broken, ahead] = _verdict(evaluation)
                monkeypatch.undo()
            assert verdicts[broken, True] == verdicts[broken, False]
        assert verdicts[True, True][0] is False and verdicts[False, True][0] is True
    finally:
        gx_worker.stop()
