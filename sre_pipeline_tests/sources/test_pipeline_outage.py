"""A failing Prometheus never deletes or overwrites what is stored, and the run fails and says
what failed: the collection assets against a real Prometheus, stopped or partly broken, on
SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.defs.resources import (
    PipelineSettings,
    PrometheusSLISource,
    QualityResource,
    WarehouseResource,
)
from sre_pipeline.warehouse.schema import metadata
from sre_pipeline_tests.defs.pipeline import pipeline
from sre_pipeline_tests.services.faulty_proxy import FaultyProxy

pytestmark = pytest.mark.slow  # a real Prometheus, stopped and proxied

DAY = "2026-10-30"  # inside the back-filled history (2026-10-29 .. 2026-10-31)
COLLECTION = ["sli_events", "capacity_samples"]


def resources(url: str, warehouse_url: str) -> dict:
    settings = PipelineSettings(
        slos=["examples/slos"],
        capacity="examples/capacity.yaml",
        clock="2026-11-01T06:00Z",
    )
    source = PrometheusSLISource(url=url, timeout_s=5, retries=1)
    return {
        "settings": settings,
        "source": source,
        "warehouse": WarehouseResource(url=warehouse_url),
        "quality": QualityResource(),
    }


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, sorted: the warehouse's whole content."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
                for t in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def sqlite_bytes(url: str) -> str | None:
    """SHA-256 of a SQLite warehouse file after a checkpoint (None for PostgreSQL)."""
    if not url.startswith("sqlite"):
        return None
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def failure_text(result) -> str:
    failures = [e for e in result.all_events if e.is_step_failure]
    assert failures, "the run did not fail"
    return "\n".join(e.step_failure_data.user_failure_data.description for e in failures)


def test_a_stopped_prometheus_leaves_the_warehouse_byte_identical(
    backfilled, spare_prometheus, warehouse_url
):
    p = pipeline(resources(spare_prometheus.url, warehouse_url))
    assert p.materialize(["slo_catalog"]).success
    assert p.materialize(COLLECTION, partition_key=DAY).success
    before, before_bytes = dump(warehouse_url), sqlite_bytes(warehouse_url)
    assert len(before["sli_events"]) > 17 * 288 and len(before["capacity_samples"]) > 0

    spare_prometheus.stop()
    result = p.materialize(COLLECTION, partition_key=DAY, raise_on_error=False)
    assert not result.success
    text = failure_text(result)
    assert "SLI collection: 18 failed, kept as stored; 0 replaced" in text
    # one line per distinct error, not one per SLO; after a few refusals it stops asking
    assert (
        "x connection failed: [Errno 111] Connection refused: api-gateway-availability (bad)"
        in text
    )
    assert "x stopped asking: http://127.0.0.1:" in text and "looks down" in text
    assert len(text.splitlines()) <= 8
    assert "capacity collection: 4 failed, kept as stored" in text
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"slo_catalog"}  # the specs, unchanged; no partition shown as fresh
    assert dump(warehouse_url) == before
    assert sqlite_bytes(warehouse_url) == before_bytes


def test_a_partial_outage_keeps_the_failed_slos_rows_and_replaces_the_rest(
    backfilled, warehouse_url
):
    url = backfilled.server.url
    p = pipeline(resources(url, warehouse_url))
    p.materialize(["slo_catalog"])
    assert p.materialize(COLLECTION, partition_key=DAY).success
    truth = pd.DataFrame(dump(warehouse_url)["sli_events"], columns=["slo", "b", "good", "total"])
    engine = sa.create_engine(warehouse_url)
    with engine.begin() as conn:  # mark every stored row, to tell kept rows from new ones
        conn.execute(sa.text("UPDATE sli_events SET total = total + 1000"))
        conn.execute(sa.text("UPDATE capacity_samples SET utilisation = 0.5"))
    engine.dispose()

    with FaultyProxy(url, fail_matching='service="cart"', fail_status=500) as proxy:
        res = resources(proxy.url, warehouse_url)
        result = pipeline(res).materialize(COLLECTION, partition_key=DAY, raise_on_error=False)
    assert not result.success
    assert "cart-availability (good): HTTP 500" in failure_text(result)
    now = pd.DataFrame(dump(warehouse_url)["sli_events"], columns=["slo", "b", "good", "total"])
    merged = now.merge(truth, on=["slo", "b"], suffixes=("", "_truth"), validate="1:1")
    cart = merged["slo"] == "cart-availability"
    assert (merged.loc[cart, "total"] == merged.loc[cart, "total_truth"] + 1000).all()  # kept
    assert (merged.loc[~cart, "total"] == merged.loc[~cart, "total_truth"]).all()  # current
    assert len(now) == len(truth)
    samples = dump(warehouse_url)["capacity_samples"]
    assert {round(row[2], 6) for row in samples} != {0.5}  # capacity fully replaced


def test_no_series_where_rows_are_stored_fails_and_keeps_them(backfilled, warehouse_url):
    url = backfilled.server.url
    p = pipeline(resources(url, warehouse_url))
    p.materialize(["slo_catalog"])
    assert p.materialize(["sli_events"], partition_key=DAY).success
    before = dump(warehouse_url)
    with FaultyProxy(url, empty_matching='service="checkout"') as proxy:
        result = pipeline(resources(proxy.url, warehouse_url)).materialize(
            ["sli_events"], partition_key=DAY, raise_on_error=False
        )
    assert not result.success
    assert (
        "2 x no series returned where rows are stored (kept as stored): checkout-availability, "
        "checkout-latency" in failure_text(result)
    )
    assert dump(warehouse_url) == before


@pytest.mark.parametrize("asset", COLLECTION)
def test_collection_failures_are_retried_by_the_step_policy(asset):
    from sre_pipeline.defs.collection_assets import RETRY, collection_assets
    from sre_pipeline.defs.partitions import Partitioning
    from sre_pipeline_tests.defs.pipeline import START

    assets = collection_assets(Partitioning("UTC", START, 36), [], {}, RETRY)
    by_name = {a.key.to_user_string(): a for a in assets}
    assert by_name[asset].op.retry_policy == RETRY
    assert isinstance(RETRY, dg.RetryPolicy)
