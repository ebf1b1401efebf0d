"""Scheduled operation completes every day before its status is computed: the real schedules,
evaluated tick by tick over two simulated days, run what they request against a real
Prometheus; the first day ends 100 % covered, with the status a one-shot back-fill gives."""

from __future__ import annotations

import shutil

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
from sre_pipeline_tests.defs.pipeline import Pipeline, pipeline

pytestmark = pytest.mark.slow

SEED, DAY1, DAY2 = "2026-10-29", "2026-10-30", "2026-10-31"  # the back-filled history
SPECS = ("checkout.yaml", "cart.yaml", "api-gateway.yaml")
STATUS_COLUMNS = [
    "slo",
    "day",
    "attainment",
    "budget_remaining",
    "burn_rate_1h",
    "time_to_exhaustion_hours",
    "escalation",
    "policy_tier",
    "coverage",
]


def resources(tmp_path, prometheus_url: str, warehouse_url: str, clock=None) -> dict:
    specs = tmp_path / "slos"
    if not specs.exists():
        specs.mkdir()
        for name in SPECS:
            shutil.copy(f"examples/slos/{name}", specs / name)
    settings = PipelineSettings(slos=[str(specs)], capacity=None, clock=clock)
    return {
        "settings": settings,
        "source": PrometheusSLISource(url=prometheus_url, retries=1),
        "warehouse": WarehouseResource(url=warehouse_url),
        "quality": QualityResource(),
    }


def run_request(p: Pipeline, request: dg.RunRequest, job_name: str, res: dict) -> None:
    """Execute a schedule's run request the way a launched run of that job would: the job's
    assets and their checks, for the requested partition, with the clock at the tick."""
    job = p.defs.resolve_job_def(request.job_name or job_name)
    assets = sorted(k.to_user_string() for k in job.asset_layer.selected_asset_keys)
    checks = tuple(
        k.name
        for k in job.asset_layer.asset_graph.asset_check_keys
        if k.asset_key.to_user_string() in assets
    )
    result = p.materialize(assets, checks, partition_key=request.partition_key, resources=res)
    assert result.success


def ticks() -> list[tuple[pd.Timestamp, str]]:
    """Every tick of the collection and status schedules from DAY1 00:00 to DAY2 + 1 00:59."""
    hours = pd.date_range(f"{DAY1}T00:05Z", f"{DAY2}T23:05Z", freq="1h")
    out = [(t, "collection_schedule") for t in hours]
    out += [(pd.Timestamp(f"{d}T00:30Z"), "status_schedule") for d in (DAY2, "2026-11-01")]
    return sorted(out)


def events_of(url: str, day: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        frame = pd.read_sql(
            sa.text("SELECT * FROM sli_events WHERE bucket_start >= :s AND bucket_start < :e"),
            conn,
            params={"s": f"{day} 00:00:00", "e": f"{pd.Timestamp(day) + pd.Timedelta('1D'):%F}"},
        )
    engine.dispose()
    return frame


def status_of(url: str, day: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        frame = pd.read_sql(
            sa.text("SELECT * FROM slo_status WHERE day = :d"), conn, params={"d": day}
        )
    engine.dispose()
    return frame[STATUS_COLUMNS].sort_values("slo").reset_index(drop=True)


def test_schedules_complete_each_day_before_its_status(backfilled, tmp_path, new_warehouse_url):
    url = backfilled.server.url
    simulated = new_warehouse_url("sqlite")
    p = pipeline(resources(tmp_path, url, simulated))
    slos = len(p.resources["settings"].catalog().slos)
    p.materialize(["slo_catalog"])
    p.materialize(["sli_events"], partition_key=SEED)  # the days before are history
    seen_before_status = None
    repository = p.defs.get_repository_def()
    for when, name in ticks():
        schedule = p.defs.resolve_schedule_def(name)
        context = dg.build_schedule_context(
            scheduled_execution_time=when, repository_def=repository
        )
        data = schedule.evaluate_tick(context)
        res = resources(tmp_path, url, simulated, clock=(when + pd.Timedelta("1min")).isoformat())
        for request in data.run_requests or []:
            run_request(p, request, schedule.job_name, res)
        if when == pd.Timestamp(f"{DAY1}T23:05Z"):
            seen_before_status = len(events_of(simulated, DAY1))
    # the hourly runs alone leave the day's last 55 minutes out ...
    assert seen_before_status == slos * (288 - 11)
    # ... and the status run completes it before computing the status
    assert len(events_of(simulated, DAY1)) == slos * 288
    assert len(events_of(simulated, DAY2)) == slos * 288

    one_shot = new_warehouse_url("sqlite")
    q = pipeline(resources(tmp_path, url, one_shot, clock="2026-11-01T06:00Z"))
    q.materialize(["slo_catalog"])
    q.materialize(["sli_events"], partition_key=SEED)
    q.materialize(["sli_events"], partition_key=DAY1)
    q.materialize(["slo_status"], partition_key=DAY1)
    pd.testing.assert_frame_equal(status_of(simulated, DAY1), status_of(one_shot, DAY1))
    assert len(status_of(simulated, DAY1)) == slos
