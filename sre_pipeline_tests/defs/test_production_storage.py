"""Production set-up: the demo's graph runs on a Dagster instance whose own storage (runs,
event logs, schedules) is PostgreSQL through ``dagster-postgres``, with the warehouse in a
second PostgreSQL database, as ``examples/dagster.yaml`` and docs/operations.md describe.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml
from dagster._core.instance.config import dagster_instance_config

from sre_pipeline.config import REPO, load_config
from sre_pipeline_tests.defs.contract import DAILY, WEEKLY
from sre_pipeline_tests.services.postgres import PostgresServer

# sre_pipeline/defs/jobs.py passes `partitions_def` to define_asset_job, deprecated in dagster
# 1.13 (a DeprecationWarning at import, an error under this project's filterwarnings): the
# definitions are imported inside the test, under this filter, until jobs.py drops it.
JOBS_PARTITIONS_DEF = (
    "ignore:Parameter `partitions_def` of function `define_asset_job` is deprecated"
    ":DeprecationWarning"
)


@dataclass
class Production:
    """A DAGSTER_HOME on PostgreSQL and the warehouse URL the pipeline was pointed at."""

    home: Path
    dagster_url: str  # postgresql+psycopg://... (for the test's own queries)
    warehouse_url: str


@pytest.fixture
def production(postgres_server: PostgresServer, tmp_path, monkeypatch) -> Iterator[Production]:
    """Two fresh databases (Dagster's storage, the warehouse) and the environment a deployment
    sets: DAGSTER_HOME with a dagster.yaml, SRE_PIPELINE_WAREHOUSE_URL, SRE_PIPELINE_HOME."""
    suffix = secrets.token_hex(6)
    names = [f"dagster_{suffix}", f"warehouse_{suffix}"]
    dagster_url, warehouse_url = (postgres_server.create_database(n) for n in names)
    home = tmp_path / "dagster_home"
    home.mkdir()
    # dagster-postgres is written for psycopg2 (it sends `NOTIFY run_events, %(id)s`, which
    # only client-side parameter binding accepts), but SQLAlchemy 2.1 maps a plain
    # postgresql:// URL to psycopg 3: name the driver explicitly, as examples/dagster.yaml does
    storage_url = f"postgresql+psycopg2://postgres@127.0.0.1:{postgres_server.port}/{names[0]}"
    instance_config = {
        "storage": {"postgres": {"postgres_url": storage_url}},
        "telemetry": {"enabled": False},
    }
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance_config))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("SRE_PIPELINE_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("SRE_PIPELINE_HOME", str(tmp_path / "pipeline_home"))
    monkeypatch.delenv("SRE_PIPELINE_CONFIG", raising=False)
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray ./sre_pipeline.yaml
    try:
        yield Production(home=home, dagster_url=dagster_url, warehouse_url=warehouse_url)
    finally:
        for name in names:
            postgres_server.drop_database(name)


def _count(engine: sa.Engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


@pytest.mark.slow
@pytest.mark.filterwarnings(JOBS_PARTITIONS_DEF)
def test_graph_runs_with_dagster_storage_on_postgres(production: Production):
    from sre_pipeline.defs.factory import build_defs, resources_from_config
    from sre_pipeline.demo.resources import DemoSLISource

    config = load_config()
    assert config.warehouse_url == production.warehouse_url
    resources = resources_from_config(config)
    day = date.today() - timedelta(days=1)  # a complete day, inside the daily partitions
    # the demo history ends at the end of that day, whatever the clock says during the run
    resources["source"] = DemoSLISource(
        plan_path=config.demo_plan, anchor=(day + timedelta(days=1)).isoformat()
    )
    # the code location's assets, but the weekly ones: one run has one partitioning
    ASSETS = [  # noqa: N806
        a
        for a in build_defs(config, resources=resources).assets
        if not {k.to_user_string() for k in a.keys} & WEEKLY
    ]
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        # one run: the daily assets for the partition, the unpartitioned ones (catalog, SQL
        # models) alongside them in dependency order
        result = dg.materialize(
            ASSETS, instance=instance, resources=resources, partition_key=day.isoformat()
        )
        assert result.success
        run_id = result.run_id
        materialized = result.get_asset_materialization_events()
        assert {e.asset_key.to_user_string() for e in materialized} == {
            k.to_user_string() for a in ASSETS for k in a.keys
        }
        partitions = {e.asset_key.to_user_string(): e.partition for e in materialized}
        assert {k for k, v in partitions.items() if v == day.isoformat()} == DAILY
        record = instance.get_run_record_by_id(run_id)
        assert record is not None and record.dagster_run.status == dg.DagsterRunStatus.SUCCESS

    dagster_db = sa.create_engine(production.dagster_url)
    warehouse = sa.create_engine(production.warehouse_url)
    try:
        with dagster_db.connect() as conn:
            stored = dict(conn.execute(sa.text("SELECT run_id, status FROM runs")).all())
        assert stored == {run_id: "SUCCESS"}
        run_events = "SELECT count(*) FROM event_logs WHERE run_id = :r"
        assert _count(dagster_db, run_events, r=run_id) > 0
        materializations = run_events + " AND dagster_event_type = 'ASSET_MATERIALIZATION'"
        assert _count(dagster_db, materializations, r=run_id) == sum(len(a.keys) for a in ASSETS)
        start = datetime.combine(day, time(), tzinfo=UTC)  # the configured time zone is UTC
        end = start + timedelta(days=1)
        slos = _count(warehouse, "SELECT count(*) FROM slo_catalog")
        assert slos > 0
        events = _count(
            warehouse,
            "SELECT count(*) FROM sli_events WHERE bucket_start >= :s AND bucket_start < :e",
            s=start,
            e=end,
        )
        assert events > 0
        status = _count(warehouse, "SELECT count(*) FROM slo_status WHERE day = :d", d=day)
        assert status == slos
    finally:
        dagster_db.dispose()
        warehouse.dispose()


def test_example_instance_config_is_valid(monkeypatch):
    """``examples/dagster.yaml`` passes Dagster's instance schema (no database needed)."""
    for name in ("DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_HOST", "DAGSTER_PG_DB"):
        monkeypatch.setenv(name, "x")
    example = REPO / "examples" / "dagster.yaml"
    config, _ = dagster_instance_config(str(example.parent), config_filename=example.name)
    assert config["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["telemetry"] == {"enabled": False}
