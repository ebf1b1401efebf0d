"""Assets with ``dg.materialize`` on small fixtures and a fake SLI source (no network)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.defs.resources import (
    PipelineSettings,
    QualityResource,
    SLISource,
    WarehouseResource,
)
from sre_pipeline.sources.capacity import CapacityResult
from sre_pipeline.sources.collector import CollectResult
from sre_pipeline.warehouse.reads import stored_catalog
from sre_pipeline_tests.defs.pipeline import pipeline
from sre_pipeline_tests.slo.factories import constant_events, set_bad

DAY = "2026-11-10"
SPEC = """
service: {name: shop, owner: ann, team: web}
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        good: sum(rate(ok[{{ .window }}]))
        total: sum(rate(all[{{ .window }}]))
  - name: checkout
    objective: 99
    period: 7d
    sli:
      events:
        bad: sum(rate(err[{{ .window }}]))
        total: sum(rate(all[{{ .window }}]))
"""


class FakeSource(SLISource):
    """Constant traffic with a two-hour incident on shop-availability on DAY."""

    def events(self, slos, start, end, width) -> CollectResult:
        frames = [constant_events(s.id, start, end) for s in slos]
        frames[0] = set_bad(frames[0], f"{DAY}T10:00Z", f"{DAY}T12:00Z", 30.0)
        return CollectResult(events=pd.concat(frames, ignore_index=True), queries=0)

    def capacity(self, resources, start, end) -> CapacityResult:
        return CapacityResult(pd.DataFrame(columns=["resource", "ts", "utilisation", "capacity"]))


@pytest.fixture
def resources(tmp_path, warehouse_url):
    (tmp_path / "slos").mkdir()
    (tmp_path / "slos" / "shop.yaml").write_text(SPEC)
    return {
        "settings": PipelineSettings(slos=[str(tmp_path / "slos")], capacity=None),
        "source": FakeSource(),
        "warehouse": WarehouseResource(url=warehouse_url),
        "quality": QualityResource(),
    }


def table(resources, name: str) -> pd.DataFrame:
    engine = sa.create_engine(resources["warehouse"].url)
    try:
        with engine.connect() as conn:
            frame = pd.read_sql(sa.text(f'SELECT * FROM "{name}"'), conn)
    finally:
        engine.dispose()
    return frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)


def test_catalog_events_status_alerts_and_idempotent_partition_reruns(resources):
    p = pipeline(resources)
    assert p.materialize(["slo_catalog"]).success
    assert len(table(resources, "slo_catalog")) == 2
    previous = (pd.Timestamp(DAY) - timedelta(days=1)).date().isoformat()
    for key in (previous, DAY):
        result = p.materialize(["sli_events"], ("check_sli_events",), partition_key=key)
        assert result.success
    events_before = table(resources, "sli_events")
    assert len(events_before) == 2 * 2 * 288
    meta = result.asset_materializations_for_node("sli_events")[0].metadata
    assert meta["dagster/row_count"].value == 576 and meta["coverage"].value == 1.0
    p.materialize(["sli_events"], partition_key=DAY)
    pd.testing.assert_frame_equal(table(resources, "sli_events"), events_before)
    # each day's check kept its result for the weekly data-quality section
    kept = table(resources, "quality_results")
    assert sorted(kept["scope"]) == [previous, DAY] and set(kept["suite"]) == {"sli_events"}
    assert (kept["data_rows"] == 576).all() and (kept["errors"] == "[]").all()

    status = p.materialize(["slo_status"], partition_key=DAY)
    assert status.success
    rows = table(resources, "slo_status")
    assert len(rows) == 2 and set(rows["day"].astype(str)) == {DAY}
    shop = rows.set_index("slo").loc["shop-availability"]
    assert shop["budget_remaining"] == pytest.approx(1 - 30 * 24 / (2 * 288))  # 2 days of data
    preview = status.asset_materializations_for_node("slo_status")[0].metadata["worst_budgets"]
    assert "shop-availability" in preview.value

    p.materialize(["burn_alerts"], partition_key=DAY)
    episodes = table(resources, "burn_alert_episodes")
    assert set(episodes["slo"]) == {"shop-availability"} and "page" in set(episodes["severity"])
    before = table(resources, "burn_alert_episodes")
    p.materialize(["burn_alerts"], partition_key=DAY)
    pd.testing.assert_frame_equal(table(resources, "burn_alert_episodes"), before)


def test_model_assets_build_the_weekly_summary(resources):
    p = pipeline(resources)
    p.materialize(["slo_catalog"])
    p.materialize(["sli_events"], partition_key=DAY)
    p.materialize(["slo_status"], partition_key=DAY)
    result = p.materialize(["stg_slo_status", "weekly_slo_summary"])
    assert result.success
    summary = table(resources, "weekly_slo_summary")
    assert set(summary["slo"]) == {"shop-availability", "shop-checkout"}


def test_invalid_spec_fails_the_catalog_with_every_problem(resources, tmp_path):
    (tmp_path / "slos" / "bad.yaml").write_text(
        "service: {name: x}\nslos:\n  - name: a\n    objectiv: 99\n    sli: {probe: {query: up}}\n"
    )
    with pytest.raises(dg.Failure) as info:
        pipeline(resources).materialize(["slo_catalog"])
    assert "did you mean 'objective'" in info.value.metadata["problems"].value


class SlowSource(FakeSource):
    """The fake source, slow enough that two runs' collections overlap."""

    def events(self, slos, start, end, width) -> CollectResult:
        time.sleep(0.5)
        return super().events(slos, start, end, width)


def test_two_runs_of_one_partition_at_once_leave_one_copy(resources):
    """A schedule overlapping a back-fill of the same day: both runs succeed, one copy."""
    resources["source"] = SlowSource()
    p = pipeline(resources)
    p.materialize(["slo_catalog"])
    outcomes = []
    # one Dagster instance per run, made here: Dagster stamps a new ephemeral instance's
    # storage with Alembic, whose module-level proxies two threads must not share
    instances = [dg.DagsterInstance.ephemeral() for _ in range(2)]

    def run(instance):
        result = p.materialize(["sli_events", "slo_status"], partition_key=DAY, instance=instance)
        outcomes.append(result.success)

    threads = [threading.Thread(target=run, args=(i,)) for i in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for instance in instances:
        instance.dispose()
    assert outcomes == [True, True]
    events = table(resources, "sli_events")
    assert len(events) == 2 * 288 and not events.duplicated(["slo", "bucket_start"]).any()
    status = table(resources, "slo_status")
    assert len(status) == 2 and not status.duplicated(["slo", "day"]).any()


def test_an_unchanged_catalog_writes_nothing(resources, tmp_path):
    """Every job starts with the catalog: re-running it with the same specs writes nothing
    (SQLite: the file's bytes; PostgreSQL: the rows' versions); a changed spec is written."""
    url = resources["warehouse"].url

    def fingerprint():
        if url.startswith("sqlite"):
            return Path(url.removeprefix("sqlite:///")).read_bytes()
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT slo, xmin::text FROM slo_catalog")).all()
        engine.dispose()
        return sorted(versions)

    def unchanged(result) -> bool:
        return result.asset_materializations_for_node("slo_catalog")[0].metadata["unchanged"].value

    p = pipeline(resources)
    assert not unchanged(p.materialize(["slo_catalog"]))
    before = fingerprint()
    assert unchanged(p.materialize(["slo_catalog"]))
    assert fingerprint() == before
    spec = tmp_path / "slos" / "shop.yaml"
    spec.write_text(spec.read_text().replace("99.9", "99.5"))
    assert not unchanged(p.materialize(["slo_catalog"]))
    assert sorted(table(resources, "slo_catalog")["objective"]) == [0.99, 0.995]


DATADOG = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: api}
spec:
  service: shop
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.99}]
  indicator:
    metadata: {name: api-sli}
    spec:
      ratioMetric:
        good: {metricSource: {type: Datadog, spec: {query: "sum:ok{*}"}}}
        total: {metricSource: {type: Datadog, spec: {query: "sum:all{*}"}}}
"""


def test_an_slo_the_pipeline_cannot_collect_is_listed_and_never_collected(resources, tmp_path):
    """Valid OpenSLO with a Datadog source: in ``slo_catalog`` (collectable false, a note),
    in the asset's metadata, and out of everything that collects and evaluates."""
    (tmp_path / "slos" / "datadog.yaml").write_text(DATADOG)
    p = pipeline(resources)
    result = p.materialize(["slo_catalog"])
    assert result.success
    meta = result.asset_materializations_for_node("slo_catalog")[0].metadata
    note = "metric source Datadog is not one the pipeline queries"
    assert meta["not_collected"].value == {"shop-api": note}
    rows = table(resources, "slo_catalog").set_index("slo")
    assert rows.loc["shop-api", "note"] == note
    assert not rows.loc["shop-api", "collectable"] and rows.loc["shop-availability", "collectable"]
    engine = sa.create_engine(resources["warehouse"].url)
    assert [s.id for s in stored_catalog(engine)] == ["shop-availability", "shop-checkout"]
    assert len(stored_catalog(engine, include_listed=True)) == 3
    engine.dispose()
    assert p.materialize(["sli_events"], partition_key=DAY).success
    assert set(table(resources, "sli_events")["slo"]) == {"shop-availability", "shop-checkout"}
