"""Incidents and action items from postmortems in real Dagster runs, guarded by blocking GX
checks: a bad record stops the incident marts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.defs.catalog_asset import catalog_asset
from sre_pipeline.defs.checks import check_action_items, check_incidents
from sre_pipeline.defs.incident_assets import incident_records
from sre_pipeline.defs.model_assets import model_assets
from sre_pipeline.defs.resources import (
    PipelineSettings,
    PostmortemSource,
    QualityResource,
    WarehouseResource,
)
from sre_pipeline_tests.slo.factories import SHOP_SPEC

POSTMORTEM = """---
id: INC-1
title: Shop down
severity: SEV2
services: [shop]
started: 2026-11-10T10:00:00Z
detected: 2026-11-10T10:05:00Z
acknowledged: 2026-11-10T10:07:00Z
resolved: 2026-11-10T11:00:00Z
published: 2026-11-11T09:00:00Z
---
# Shop down

## Action items

| ID | Action | Owner | Due | Status |
|----|--------|-------|-----|--------|
| A-1 | Add a canary | alice | 2026-11-20 | done |
| A-2 | Write the runbook | bob | 2026-11-25 | open |
"""
MODELS = {a.key.to_user_string(): a for a in model_assets()}
MARTS = [MODELS[k] for k in ("stg_action_items", "incident_metrics", "action_item_completion")]


def resources(tmp_path: Path, postmortem: str, url: str) -> dict:
    (tmp_path / "slos").mkdir(exist_ok=True)
    (tmp_path / "slos" / "shop.yaml").write_text(SHOP_SPEC)
    (tmp_path / "pm").mkdir(exist_ok=True)
    (tmp_path / "pm" / "inc-1.md").write_text(postmortem)
    return {
        "settings": PipelineSettings(slos=[str(tmp_path / "slos")], capacity=None),
        "incident_source": PostmortemSource(paths=[str(tmp_path / "pm")]),
        "warehouse": WarehouseResource(url=url),
        "quality": QualityResource(),
    }


def run(res: dict) -> dg.ExecuteInProcessResult:
    """The weekly job's part for incidents: the catalog (the incident check reads its
    services), the incident records, their checks and marts."""
    selection = [catalog_asset([], {}), incident_records, check_incidents, check_action_items]
    return dg.materialize(selection + MARTS, resources=res, raise_on_error=False)


def materialized(result) -> set[str]:
    """What the run materialised besides the catalog."""
    keys = {m.asset_key.to_user_string() for m in result.get_asset_materialization_events()}
    return keys - {"slo_catalog"}


def evaluations(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def tables(url: str) -> dict[str, list]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = {
            t: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}")).all()), key=str)
            for t in ("incidents", "action_items", "incident_metrics")
        }
    engine.dispose()
    return out


def test_clean_postmortems_pass_and_the_marts_run(tmp_path, warehouse_url):
    res = resources(tmp_path, POSTMORTEM, warehouse_url)
    result = run(res)
    assert result.success
    assert materialized(result) == {
        "incidents",
        "action_items",
        "stg_action_items",
        "incident_metrics",
        "action_item_completion",
    }
    checks = evaluations(result)
    assert checks["check_incidents"].passed and checks["check_action_items"].passed
    meta = result.asset_materializations_for_node("incident_records")
    by_key = {m.asset_key.to_user_string(): m.metadata for m in meta}
    assert by_key["incidents"]["rows"].value == 1 and by_key["action_items"]["rows"].value == 2
    assert by_key["action_items"]["by_status"].value == {"done": 1, "open": 1}
    first = tables(warehouse_url)
    assert len(first["incidents"]) == 1 and len(first["action_items"]) == 2
    assert run(res).success
    assert tables(warehouse_url) == first  # idempotent


def test_item_without_owner_blocks_the_action_item_mart(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    result = run(resources(tmp_path, POSTMORTEM.replace("| bob |", "| TBD |"), url))
    assert not result.success
    check = evaluations(result)["check_action_items"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "owner not null" in check.metadata["failed_expectations"].value
    report = check.metadata["report"].value
    assert "A-2" in report and "Write the runbook" in report  # the offending row is shown
    assert "action_item_completion" not in materialized(result)
    assert evaluations(result)["check_incidents"].passed


@pytest.mark.parametrize(
    ("old", "new", "failed"),
    [
        ("services: [shop]", "services: [shopp]", "services known"),
        (
            "detected: 2026-11-10T10:05:00Z",
            "detected: 2026-11-10T09:05:00Z",
            "started <= detected <= acknowledged <= resolved (where present)",
        ),
    ],
)
def test_bad_incident_blocks_the_incident_mart(tmp_path, old, new, failed):
    url = f"sqlite:///{tmp_path}/w.db"
    result = run(resources(tmp_path, POSTMORTEM.replace(old, new), url))
    check = evaluations(result)["check_incidents"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["failed_expectations"].value == [failed]
    assert (
        "INC-1" in check.metadata["report"].value and "inc-1.md" in check.metadata["report"].value
    )
    assert "incident_metrics" not in materialized(result)


def test_format_error_fails_and_keeps_the_stored_incidents(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    assert run(resources(tmp_path, POSTMORTEM, url)).success
    before = tables(url)
    result = run(resources(tmp_path, POSTMORTEM.replace("severity: SEV2", "severity: SEV9"), url))
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    data = failure.event_specific_data
    assert "1 problem(s) in postmortems" in data.error.message
    problems = data.user_failure_data.metadata["problems"].value
    assert "inc-1.md:4: severity: unknown severity 'SEV9'" in problems
    assert tables(url) == before


def test_demo_postmortems_line_up_with_the_demo_end(tmp_path):
    """The example postmortems move with the demo's end like its scenarios do."""
    from sre_pipeline.config import load_config
    from sre_pipeline.demo.resources import DemoPostmortemSource, demo_resources

    source = demo_resources(load_config())["incident_source"]
    assert source.authored_for == "2026-11-23"
    moved = DemoPostmortemSource(
        paths=source.paths, authored_for=source.authored_for, anchor="2026-12-07"
    )
    found = moved.incidents("UTC")
    checkout = next(i for i in found.incidents if i.incident_id == "INC-2026-042")
    # checkout's outage is 2d5h before the end in demo.yaml: 2026-12-04 19:00 for this end
    assert checkout.started_at == pd.Timestamp("2026-12-04T19:00Z")


def test_unreadable_catalog_fails_the_run_before_the_incident_check(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    res = resources(tmp_path, POSTMORTEM, url)
    (tmp_path / "slos" / "shop.yaml").write_text(
        SHOP_SPEC.replace("objective: 99.9", "objective: x")
    )
    result = run(res)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "slo_catalog"
    assert "shop.yaml" in failure.step_failure_data.user_failure_data.description
    assert "check_incidents" not in evaluations(result)  # it waits for the catalog
    assert "incident_metrics" not in materialized(result)
    assert evaluations(result)["check_action_items"].passed  # it needs no catalog


def test_incident_check_without_a_stored_catalog_says_so(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    selection = [incident_records, check_incidents]
    result = dg.materialize(
        selection, resources=resources(tmp_path, POSTMORTEM, url), raise_on_error=False
    )
    check = evaluations(result)["check_incidents"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "the SLO catalog is not materialised" in check.metadata["problems"].value


TEMPLATE = """# Incident Report: Shop down
**Incident ID:** INC-1
**Severity:** SEV2
**Started:** 2026-11-10 10:00 UTC
**Resolved:** 2026-11-10 11:00 UTC
**Services Affected:** shop
**Cause:** config change
## Timeline
**10:05 UTC** - Alert fired: ShopDown
**10:07 UTC** - On-call engaged
## Action Items
- [x] Add a canary - Owner: alice - Due: 2026-11-20 - Priority: P0
"""


def test_template_postmortems_and_csv_exports_are_stored_with_cause_status_priority(
    tmp_path, warehouse_url
):
    res = resources(tmp_path, TEMPLATE, warehouse_url)
    (tmp_path / "pm" / "items.csv").write_text(
        "incident,Action,Owner,Due,Priority\nINC-1,Write the runbook,bob,2026-11-25,P2\n"
    )
    result = run(res)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as conn:
        incident = conn.execute(
            sa.text("SELECT cause, postmortem_status, detected_at, acknowledged_at FROM incidents")
        ).one()
        items = conn.execute(
            sa.text("SELECT item_id, status, priority FROM action_items ORDER BY item_id")
        ).all()
    engine.dispose()
    assert (incident.cause, incident.postmortem_status) == ("configuration", "draft")
    assert str(incident.detected_at)[:16] == "2026-11-10 10:05"
    assert str(incident.acknowledged_at)[:16] == "2026-11-10 10:07"
    assert [tuple(r) for r in items] == [("INC-1-1", "done", "P0"), ("items-1", "open", "P2")]
