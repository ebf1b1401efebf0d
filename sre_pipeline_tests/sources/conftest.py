"""A real Prometheus back-filled with generated demo history, shared by the collector tests."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest

from sre_pipeline.demo.history import SLOHistory, simulate, simulate_capacity, truth_frame
from sre_pipeline.demo.openmetrics import write_openmetrics
from sre_pipeline.demo.plan import DemoPlan, Scenario, load_plan
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.spec.loader import load_catalog
from sre_pipeline.sources.capacity import Resource, load_resources
from sre_pipeline_tests.services.prometheus import PrometheusServer, backfill, start_prometheus

END = pd.Timestamp("2026-11-01T00:00Z")
START = END - pd.Timedelta(days=3)

# Everything the tests must see inside three days: incidents, a gap, a counter reset.
SCENARIOS = (
    Scenario("checkout-availability", timedelta(hours=30), timedelta(minutes=50), 40.0),
    Scenario("cart-availability", timedelta(hours=20), timedelta(hours=2), 60.0),
    Scenario("api-gateway-uptime", timedelta(hours=10), timedelta(hours=1), 200.0),
    Scenario("user-profile-availability", timedelta(hours=12), timedelta(hours=1), 30.0),
    Scenario("catalog-availability", timedelta(hours=40), timedelta(hours=2), gap=True),
    Scenario("api-gateway-uptime", timedelta(hours=50), timedelta(minutes=30), gap=True),
    Scenario("search-availability", timedelta(hours=25), timedelta(0), counter_reset=True),
    Scenario("checkout-latency", timedelta(hours=15), timedelta(0), counter_reset=True),
)


@dataclass
class Backfilled:
    """The catalog, its ground truth and the Prometheus serving it."""

    slos: list[SLO]
    histories: list[SLOHistory]
    truth: pd.DataFrame
    resources: list[Resource]
    capacity: pd.DataFrame
    server: PrometheusServer
    start: pd.Timestamp
    end: pd.Timestamp


@pytest.fixture(scope="session")
def demo_plan() -> DemoPlan:
    """The example plan's series layout with the test scenarios above."""
    plan = load_plan()
    return DemoPlan(plan.seed, SCENARIOS, plan.series, plan.capacity)


@pytest.fixture(scope="session")
def backfilled(tmp_path_factory, demo_plan) -> Backfilled:
    """Generate three days for the 18 example SLOs, back-fill, serve; stop afterwards."""
    work = tmp_path_factory.mktemp("prometheus")
    slos = load_catalog(["examples/slos"]).slos
    histories = simulate(slos, START, END, demo_plan)
    resources = load_resources("examples/capacity.yaml")
    capacity = simulate_capacity(resources, START, END, demo_plan)
    write_openmetrics(histories, demo_plan, work / "history.om", capacity)
    backfill(work / "history.om", work / "data")
    server = start_prometheus(work / "data", work)
    try:
        yield Backfilled(
            slos, histories, truth_frame(histories), resources, capacity, server, START, END
        )
    finally:
        server.stop()


@pytest.fixture
def spare_prometheus(backfilled, tmp_path) -> PrometheusServer:
    """A second server over a copy of the same blocks, for tests that stop or break it."""
    data = tmp_path / "data"
    shutil.copytree(backfilled.server.data_dir, data, ignore=shutil.ignore_patterns("lock", "wal"))
    server = start_prometheus(data, tmp_path)
    try:
        yield server
    finally:
        server.stop()
