"""``sre-pipeline backfill``: the daily assets back-filled in process in the chunks of the
back-fill policy, resumable, with the outcome a single run over the same days gives."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.cli import main
from sre_pipeline.defs.backfill import Chunk, in_one_run, phases_for, plan
from sre_pipeline_tests.defs.contract import DAILY

pytestmark = pytest.mark.slow

CONFIG = """
slos: [{repo}/examples/slos]
capacity: {repo}/examples/capacity.yaml
demo_plan: {repo}/examples/demo.yaml
start_date: 2026-10-01
demo_anchor: 2026-11-16
warehouse_url: sqlite:///{home}/warehouse.db
"""


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    repo = Path(__file__).resolve().parents[1]
    (tmp_path / "sre_pipeline.yaml").write_text(CONFIG.format(repo=repo, home=tmp_path))
    monkeypatch.setenv("SRE_PIPELINE_CONFIG", str(tmp_path / "sre_pipeline.yaml"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("SRE_PIPELINE_HOME", str(tmp_path))
    # the demo's code location, as the demo's home sets it: its generated history
    monkeypatch.setenv("SRE_PIPELINE_DEFINITIONS", "sre_pipeline.demo.definitions")
    for name in ("SRE_PIPELINE_WAREHOUSE_URL", "SRE_PIPELINE_START_DATE", "PROMETHEUS_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def table(home: Path, name: str, db: str = "warehouse.db") -> pd.DataFrame:
    engine = sa.create_engine(f"sqlite:///{home / db}")
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text(f"SELECT * FROM {name}"), conn)
    engine.dispose()
    return frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)


def runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        return [r.dagster_run for r in instance.get_run_records()][::-1]


def test_plan_chunks_like_the_backfill_policy_and_skips_complete_days():
    days = [date(2026, 10, 1) + timedelta(days=n) for n in range(20)]
    done = {("sli_events", d) for d in days[:3]} | {("capacity_samples", d) for d in days[:5]}
    chunks = plan(
        phases_for(["sli_events", "capacity_samples", "slo_status"], days),
        lambda a, d: (a, d) in done,
    )
    collection = ("sli_events", "capacity_samples")
    assert chunks == [
        Chunk(collection, days[3], days[16]),  # 14 days: both assets incomplete from day 4
        Chunk(collection, days[17], days[19]),
        Chunk(("slo_status",), days[0], days[13]),
        Chunk(("slo_status",), days[14], days[19]),
    ]
    assert plan(phases_for(["slo_status"], days[:2]), lambda *_: True) == []
    assert len(plan(phases_for(["slo_status"], days[:2]), lambda *_: True, force=True)) == 1


def test_a_chunks_status_runs_with_its_collection_unless_it_reads_later_days():
    days = [date(2026, 10, 1) + timedelta(days=n) for n in range(20)]
    assets = ["sli_events", "slo_status", "burn_alerts"]
    short = plan(phases_for(assets, days[:14]), lambda *_: False)
    assert in_one_run(short, first=["slo_catalog"]) == [
        Chunk(("slo_catalog", "sli_events", "slo_status", "burn_alerts"), days[0], days[13])
    ]
    long = plan(phases_for(assets, days), lambda *_: False)
    assert in_one_run(long, first=["slo_catalog"]) == [
        Chunk(("slo_catalog", "sli_events", "slo_status"), days[0], days[13]),
        Chunk(("sli_events", "slo_status", "burn_alerts"), days[14], days[19]),
        # its episodes are followed into days 14 to 16: after their collection
        Chunk(("burn_alerts",), days[0], days[13]),
    ]
    # days 0 to 2 collected already: the collection's chunks no longer match the status's,
    # which then waits for every collection (its look-back reads the days before)
    done = {("sli_events", d) for d in days[:3]}
    shifted = plan(phases_for(assets[:2], days), lambda a, d: (a, d) in done)
    assert in_one_run(shifted) == [
        Chunk(("sli_events",), days[3], days[16]),
        Chunk(("sli_events",), days[17], days[19]),
        Chunk(("slo_status",), days[0], days[13]),
        Chunk(("slo_status",), days[14], days[19]),
    ]
    assert in_one_run(plan(phases_for(["slo_status"], days), lambda *_: False)) == [
        Chunk(("slo_status",), days[0], days[13]),
        Chunk(("slo_status",), days[14], days[19]),
    ]
    assert in_one_run([], first=["slo_catalog"]) == []


def test_backfill_resumes_and_equals_one_run_over_the_same_days(home, capsys, monkeypatch):
    args = ["backfill", "--start", "2026-11-01", "--end", "2026-11-04"]
    assert main(args) == 0
    out = capsys.readouterr()
    assert out.out == (
        "Back-filled in 1 run(s): sli_events, capacity_samples, capacity_daily: 3 day(s); "
        "slo_status, burn_alerts, capacity_status: 3 day(s); 0 complete day(s) skipped.\n"
    )
    everything = "slo_catalog, sli_events, capacity_samples, capacity_daily, slo_status"
    assert f"{everything}, burn_alerts, capacity_status 2026-11-01..2026-11-03: ok" in out.err
    for noise in ("Traceback", "DEBUG", "Telemetry", "Warning"):
        assert noise not in out.err
    first = {
        t: table(home, t)
        for t in ("sli_events", "slo_status", "burn_alert_episodes", "capacity_status")
    }
    recorded = runs(home)
    # three days fit one chunk: one run, the specs stored first, collection before status
    (run,) = recorded
    assert run.job_name == "__ASSET_JOB"
    assert run.asset_selection == {dg.AssetKey(a) for a in ("slo_catalog", *DAILY)}
    assert run.tags["dagster/asset_partition_range_start"] == "2026-11-01"
    assert run.remote_job_origin is not None  # a run of the code location's job
    location = run.remote_job_origin.repository_origin.code_location_origin
    assert location.location_name == "sre_pipeline.demo.definitions"

    assert main(args) == 0  # resumable: nothing left to do
    assert "Nothing to do" in capsys.readouterr().out
    assert len(runs(home)) == 1

    assert main([*args, "--force", "--assets", "slo_status"]) == 0
    assert "in 1 run(s): slo_status: 3 day(s); 0 complete" in capsys.readouterr().out
    for name, frame in first.items():  # re-running gives the same warehouse
        pd.testing.assert_frame_equal(table(home, name), frame, obj=name)

    # the same days in one run of every daily asset (what a single-run back-fill does)
    from sre_pipeline.demo.definitions import defs

    monkeypatch.setenv("SRE_PIPELINE_WAREHOUSE_URL", f"sqlite:///{home / 'other.db'}")
    job = defs().resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            tags={
                "dagster/asset_partition_range_start": "2026-11-01",
                "dagster/asset_partition_range_end": "2026-11-03",
            },
            asset_selection=[dg.AssetKey(a) for a in ("slo_catalog", *sorted(DAILY))],
            instance=instance,
        )
    assert result.success
    for name, frame in first.items():
        pd.testing.assert_frame_equal(table(home, name, "other.db"), frame, obj=name)


def test_backfill_refuses_bad_ranges_with_a_clear_line(home, capsys):
    cases = [
        (["--start", "2026-11-05", "--end", "2026-11-01"], "--end: 2026-11-01 is not after"),
        (["--start", "2026-09-01", "--end", "2026-09-03"], "--start: 2026-09-01 is before"),
        (["--start", "2026-11-01", "--end", "2099-01-01"], "--end: 2099-01-01 is in the future"),
        (
            ["--start", "2026-11-01", "--end", "2026-11-02", "--assets", "sli_event"],
            "--assets: unknown asset(s) sli_event",
        ),
    ]
    for flags, message in cases:
        assert main(["backfill", *flags]) == 2, flags
        err = capsys.readouterr().err
        assert err.startswith(f"error: {message}"), err
        assert "Traceback" not in err
    assert not (home / "warehouse.db").exists()


def test_a_failed_run_stops_the_backfill_and_says_how_to_resume(home, capsys):
    from sre_pipeline_tests.services.system import free_port

    config = home / "sre_pipeline.yaml"
    config.write_text(
        config.read_text() + f"prometheus: {{url: 'http://127.0.0.1:{free_port()}'}}\n"
    )
    code = main(["backfill", "--start", "2026-11-01", "--end", "2026-11-03"])
    err = capsys.readouterr().err
    assert code == 1
    assert "failed: sli_events: SLI collection: 18 failed" in err or "failed: capacity" in err
    assert "re-run the same command to resume" in err and "Traceback" not in err
    assert "Stack Trace" not in err and "STEP_FAILURE" not in err


def test_a_bad_spec_stops_the_backfill_before_any_run(home, capsys, tmp_path):
    specs = tmp_path / "bad"
    specs.mkdir()
    (specs / "x.yaml").write_text("service: {name: x}\nslos:\n  - name: a\n    objectiv: 99\n")
    config = home / "sre_pipeline.yaml"
    config.write_text(config.read_text().replace("slos: [", f"slos: [{specs}, "))
    assert main(["backfill", "--start", "2026-11-01", "--end", "2026-11-02"]) == 2
    err = capsys.readouterr().err
    assert f"{specs / 'x.yaml'}:4" in err and "did you mean 'objective'" in err
    assert "Traceback" not in err and not (home / "warehouse.db").exists()


def test_production_without_prometheus_refuses_to_backfill(home, capsys, monkeypatch):
    """Production's code location never makes data up: no Prometheus, nothing run."""
    monkeypatch.delenv("SRE_PIPELINE_DEFINITIONS")
    assert main(["backfill", "--start", "2026-11-01", "--end", "2026-11-02"]) == 2
    err = capsys.readouterr().err
    assert f"{home / 'sre_pipeline.yaml'}: prometheus.url: no Prometheus is configured" in err
    assert "Traceback" not in err and not runs(home)
