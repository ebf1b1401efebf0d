"""The weekly incident assets in real Dagster runs on a hand-checked week, both engines:
``incident_budget`` (what the incident cost, budget spent outside it, the P0 rule) and
``incident_alerts`` (episodes linked, unexplained, detection)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.defs.catalog_asset import catalog_asset
from sre_pipeline.defs.incident_assets import incident_records
from sre_pipeline.defs.incident_impact_assets import incident_impact_assets
from sre_pipeline.defs.partitions import Partitioning
from sre_pipeline.defs.resources import (
    PipelineSettings,
    PostmortemSource,
    QualityResource,
    WarehouseResource,
)
from sre_pipeline.slo.budget.daily import daily_status
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.writes import Slice, replace_slice
from sre_pipeline_tests.slo.factories import SHOP_SPEC

WEEK = "2026-11-16"
POSTMORTEM = """---
id: INC-1
title: Shop errors after a deploy
severity: SEV2
cause: deployment
services: [shop]
started: 2026-11-17T10:00:00Z
detected: 2026-11-17T10:20:00Z
acknowledged: 2026-11-17T10:25:00Z
resolved: 2026-11-17T11:00:00Z
published: 2026-11-18T09:00:00Z
---
# Shop errors after a deploy

## Action items

| ID | Action | Owner | Due | Status | Priority |
|----|--------|-------|-----|--------|----------|
| A-1 | Canary the deploy | alice | 2026-11-30 | open | {priority} |
"""
FIRST, END = pd.Timestamp("2026-10-12", tz="UTC"), pd.Timestamp("2026-11-23", tz="UTC")
INCIDENT = (pd.Timestamp("2026-11-17 10:00", tz="UTC"), pd.Timestamp("2026-11-17 11:00", tz="UTC"))
SLOW_BURN = (pd.Timestamp("2026-11-19 03:00", tz="UTC"), pd.Timestamp("2026-11-19 03:30", tz="UTC"))
PARTS = Partitioning("UTC", date(2026, 10, 12), 36)
BUDGET, ALERTS = incident_impact_assets(PARTS)


def events() -> pd.DataFrame:
    """100 requests per 5-minute bucket; 20 bad in each of the incident's 12 buckets (240),
    5 bad in each of the slow burn's 6 (30)."""
    starts = pd.date_range(FIRST, END, freq="5min", inclusive="left")
    bad = np.zeros(len(starts))
    bad[(starts >= INCIDENT[0]) & (starts < INCIDENT[1])] = 20
    bad[(starts >= SLOW_BURN[0]) & (starts < SLOW_BURN[1])] = 5
    return pd.DataFrame(
        {"slo": "shop-availability", "bucket_start": starts, "good": 100 - bad, "total": 100.0}
    )


def episode(start: str, severity: str, windows=("1h", "5m")) -> dict:
    return {
        "slo": "shop-availability",
        "long_window": windows[0],
        "short_window": windows[1],
        "start": pd.Timestamp(start, tz="UTC"),
        "end": pd.Timestamp(start, tz="UTC") + timedelta(minutes=30),
        "severity": severity,
        "factor": 14.4,
        "peak_burn_rate": 20.0,
    }


def setup(tmp_path: Path, url: str, priority: str = "P1", with_events: bool = True) -> dict:
    (tmp_path / "slos").mkdir(exist_ok=True)
    (tmp_path / "slos" / "shop.yaml").write_text(SHOP_SPEC)
    (tmp_path / "pm").mkdir(exist_ok=True)
    (tmp_path / "pm" / "inc-1.md").write_text(POSTMORTEM.format(priority=priority))
    engine = WarehouseResource(url=url).engine()  # the schema, upgraded
    if with_events:
        frame = events()
        replace_slice(engine, tables.sli_events, frame, Slice("bucket_start", FIRST, END))
        slos = load_catalog([str(tmp_path / "slos")]).slos
        last = date(2026, 11, 22)
        status = daily_status(frame, slos, [last], "UTC", timedelta(minutes=5))
        replace_slice(engine, tables.slo_status, status, Slice("day", last, last + timedelta(1)))
        episodes = pd.DataFrame(
            [
                episode("2026-11-17 10:05", "page"),  # inside the incident
                episode("2026-11-19 03:05", "ticket", ("6h", "30m")),  # the slow burn
                episode("2026-11-20 12:00", "page"),  # nobody declared an incident
            ]
        )
        replace_slice(engine, tables.burn_alert_episodes, episodes, Slice("start", FIRST, END))
    engine.dispose()
    return {
        "settings": PipelineSettings(
            slos=[str(tmp_path / "slos")], capacity=None, clock="2026-11-30T09:00:00Z"
        ),
        "incident_source": PostmortemSource(paths=[str(tmp_path / "pm")]),
        "warehouse": WarehouseResource(url=url),
        "quality": QualityResource(),
    }


def run(res: dict, week: str = WEEK) -> dg.ExecuteInProcessResult:
    selection = [catalog_asset([], {}), incident_records, BUDGET, ALERTS]
    return dg.materialize(selection, resources=res, partition_key=week, raise_on_error=False)


def read(url: str, table: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))]
    engine.dispose()
    return sorted(rows, key=str)


def metadata(result, asset: str) -> dict:
    (event,) = [m for m in result.get_asset_materialization_events() if m.asset_key.path == [asset]]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_the_week_costs_exactly_the_bad_events_inside_the_span(tmp_path, warehouse_url):
    res = setup(tmp_path, warehouse_url)
    result = run(res)
    assert result.success
    (row,) = read(warehouse_url, "incident_budget")
    # the period's budget: 30 days x 288 buckets x 100 requests x 0.1 % = 864 requests
    assert (row["incident_id"], row["slo"], row["cause"]) == (
        "INC-1",
        "shop-availability",
        "deployment",
    )
    assert row["bad_events"] == pytest.approx(240) and row["span_events"] == pytest.approx(1200)
    assert row["budget_events"] == pytest.approx(864)
    assert row["budget_share"] == pytest.approx(240 / 864)
    assert row["four_week_share"] == pytest.approx(240 / 806.4)  # 28 days' budget
    assert row["downtime_minutes"] == pytest.approx(12)  # 240 / (864,000 / 43,200 min)
    assert row["span_coverage"] == pytest.approx(1.0)
    (outside,) = read(warehouse_url, "budget_outside_incidents")
    assert (outside["bad_events"], outside["incident_bad_events"]) == (270, 240)
    assert outside["outside_share"] == pytest.approx(30 / 864)  # the slow burn, undeclared
    meta = metadata(result, "incident_budget")
    assert meta["week"] == "2026-W47" and meta["incidents"] == 1
    assert "INC-1" in meta["ranked"] and "nan" not in meta["ranked"].lower()
    # more than 20 % of a 4-week budget and no P0 item: the P0 rule's check warns, by name
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["p0_postmortems"].passed
    assert checks["p0_postmortems"].severity == dg.AssetCheckSeverity.WARN
    assert checks["p0_postmortems"].metadata["incidents"].value == ["INC-1"]
    first = {t: read(warehouse_url, t) for t in ("incident_budget", "budget_outside_incidents")}
    assert run(res).success
    assert {t: read(warehouse_url, t) for t in first} == first  # a re-run: the same rows


def test_a_published_postmortem_with_a_p0_item_satisfies_the_rule(tmp_path):
    result = run(setup(tmp_path, f"sqlite:///{tmp_path}/w.db", priority="P0"))
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["p0_postmortems"].passed


def test_alerts_are_linked_unexplained_or_missing(tmp_path, warehouse_url):
    result = run(setup(tmp_path, warehouse_url))
    links = read(warehouse_url, "alert_incident_links")
    by_start = {str(r["episode_start"])[:16]: r["incident_id"] for r in links}
    assert by_start == {
        "2026-11-17 10:05": "INC-1",
        "2026-11-19 03:05": None,
        "2026-11-20 12:00": None,
    }
    (detection,) = read(warehouse_url, "incident_detection")
    assert detection["alert_lead_minutes"] == pytest.approx(15)  # the page came 15 min first
    assert not detection["detection_gap"]
    meta = metadata(result, "incident_alerts")
    assert (meta["linked"], meta["unexplained"], meta["detection_gaps"]) == (1, 2, [])
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["alerts_explained"].passed  # the page of 11-20 has no incident
    assert checks["alerts_explained"].metadata["page_episodes_without_incident"].value == [
        "shop-availability 2026-11-20 12:00"
    ]


def test_another_week_keeps_this_weeks_rows(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    res = setup(tmp_path, url)
    assert run(res).success
    before = read(url, "incident_budget")
    result = run(res, "2026-11-09")  # no incident that week; its own slow-burn figures
    assert result.success
    assert read(url, "incident_budget") == before
    weeks = {str(r["week_start"])[:10] for r in read(url, "budget_outside_incidents")}
    assert weeks == {"2026-11-09", "2026-11-16"}
    assert metadata(result, "incident_budget")["ranked"] == "no incidents this week"


def test_a_week_without_events_fails_and_writes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    result = run(setup(tmp_path, url, with_events=False))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE)
    message = failure.step_failure_data.user_failure_data.description
    assert "no SLI events stored for 2026-W47" in message
    assert "sre-pipeline backfill --start 2026-11-16 --end 2026-11-23" in message
    assert read(url, "incident_budget") == []
