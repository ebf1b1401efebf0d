"""The demo's runs in a real ``dagster dev`` as a user meets them: every demo day filled, each
partition with that day's own figures (also two days of one run), one check evaluation per
day, runs listed under the code location's jobs, and "Re-execute" working."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.config import REPO
from sre_pipeline_tests.services.dagster_ui import DagsterDev, start_dagster_dev

pytestmark = pytest.mark.slow

END = date(2026, 11, 16)
DAYS = 8  # status of 2026-11-08 .. 2026-11-15 in one run: the week 2026-W46 is complete
CLI = str(Path(sys.executable).parent / "sre-pipeline")


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_PIPELINE", "DAGSTER"))}
    done = subprocess.run(
        [CLI, "demo", "--output-dir", str(home), "--end", END.isoformat(), "--days", str(DAYS)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return home


@pytest.fixture(scope="module")
def ui(demo_home) -> Iterator[DagsterDev]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_PIPELINE", "DAGSTER"))}
    env.update(
        SRE_PIPELINE_HOME=str(demo_home),
        SRE_PIPELINE_CONFIG=str(demo_home / "sre_pipeline.yaml"),
        DAGSTER_HOME=str(demo_home / "dagster"),
        SRE_PIPELINE_DEFINITIONS="sre_pipeline.demo.definitions",
        PYTHONWARNINGS="ignore",
    )
    # as the demo prints it: its own workspace, loading the demo's code location
    server = start_dagster_dev(REPO, env, workspace=demo_home / "workspace.yaml")
    try:
        yield server
    finally:
        server.stop()


def warehouse(demo_home: Path, sql: str, **params) -> pd.DataFrame:
    engine = sa.create_engine(f"sqlite:///{demo_home / 'warehouse.db'}")
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text(sql), conn, params=params)
    engine.dispose()
    return frame


def first_day(demo_home: Path) -> date:
    text = (demo_home / "sre_pipeline.yaml").read_text()
    return date.fromisoformat(text.split("start_date: '")[1][:10])


STATS = """
query {
  assetNodes {
    assetKey { path }
    partitionStats { numMaterialized numPartitions numFailed }
  }
}
"""


def test_every_demo_day_shows_filled(ui, demo_home):
    nodes = ui.graphql(STATS)["assetNodes"]
    stats = {"/".join(n["assetKey"]["path"]): n["partitionStats"] for n in nodes}
    start = first_day(demo_home)
    today = pd.Timestamp.now(tz="UTC").date()
    collected = (END - start).days
    for asset in ("sli_events", "capacity_samples", "capacity_daily"):
        assert stats[asset]["numPartitions"] == (today - start).days + 1  # to today
        assert stats[asset]["numMaterialized"] == collected, asset  # every demo day
        assert stats[asset]["numFailed"] == 0
    for asset in ("slo_status", "burn_alerts", "capacity_status"):
        assert stats[asset]["numMaterialized"] == DAYS, asset


MATERIALIZATIONS = """
query($path: [String!]!, $partitions: [String!]) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode {
      assetMaterializations(partitions: $partitions) {
        partition runId
        metadataEntries {
          label
          ... on IntMetadataEntry { intValue }
          ... on FloatMetadataEntry { floatValue }
          ... on TextMetadataEntry { text }
          ... on MarkdownMetadataEntry { mdStr }
          ... on JsonMetadataEntry { jsonString }
          ... on PathMetadataEntry { path }
        }
      }
    }
  }
}
"""


def _value(entry: dict):
    for key in ("intValue", "floatValue", "text", "mdStr", "jsonString", "path"):
        if key in entry:
            return entry[key]
    return None


def materializations(ui, asset: str, days: list[str]) -> dict[str, dict]:
    answer = ui.graphql(MATERIALIZATIONS, {"path": [asset], "partitions": days})
    out: dict[str, dict] = {}
    for m in answer["assetNodeOrError"]["assetMaterializations"]:
        if m["partition"] not in out:  # newest first
            out[m["partition"]] = {
                "run": m["runId"],
                **{e["label"]: _value(e) for e in m["metadataEntries"]},
            }
    return out


def test_two_days_of_one_run_show_their_own_status(ui, demo_home):
    days = [(END - timedelta(days=n)).isoformat() for n in (2, 1)]
    status = materializations(ui, "slo_status", days)
    assert status[days[0]]["run"] == status[days[1]]["run"]  # one run, two partitions
    for day in days:
        rows = warehouse(demo_home, "SELECT * FROM slo_status WHERE day = :d", d=day)
        at_risk = rows["policy_tier"].isin(["exhausted", "incident_mode", "feature_freeze"])
        assert status[day]["dagster/row_count"] == len(rows) == 18
        assert status[day]["at_risk"] == int(at_risk.sum())
        worst = rows.sort_values("budget_remaining").iloc[0]
        assert worst["slo"] in status[day]["worst_budgets"]
        assert f"{worst['budget_remaining']:.4g}" in status[day]["worst_budgets"]
        assert "nan" not in json.dumps(status[day]).lower()
    assert status[days[0]]["worst_budgets"] != status[days[1]]["worst_budgets"]


def test_two_days_of_one_run_show_their_own_capacity_status(ui, demo_home):
    days = [(END - timedelta(days=n)).isoformat() for n in (2, 1)]
    status = materializations(ui, "capacity_status", days)
    assert status[days[0]]["run"] == status[days[1]]["run"]
    for day in days:
        rows = warehouse(demo_home, "SELECT * FROM capacity_status WHERE day = :d", d=day)
        shown = status[day]
        assert shown["dagster/row_count"] == len(rows) == 4
        states = json.loads(shown["states"])
        assert states == {s: int((rows["state"] == s).sum()) for s in states}
        hottest = rows.sort_values("peak_utilisation", ascending=False).iloc[0]
        assert f"{hottest['peak_utilisation']:.4g}" in shown["hottest"]  # that day's peak
        below = sorted(rows.loc[rows["headroom_ok"] == 0, "resource"])
        assert json.loads(shown["below_headroom_target"]) == below
        assert "nan" not in json.dumps(shown).lower()
    assert status[days[0]]["hottest"] != status[days[1]]["hottest"]  # the peaks differ


def test_each_collected_day_shows_its_own_rows_and_coverage(ui, demo_home):
    start = first_day(demo_home)
    days = [(start + timedelta(days=n)).isoformat() for n in range((END - start).days)]
    events = materializations(ui, "sli_events", days)
    assert set(events) == set(days)
    counts = warehouse(
        demo_home,
        "SELECT substr(bucket_start, 1, 10) AS day, count(*) AS n FROM sli_events "
        "GROUP BY substr(bucket_start, 1, 10)",
    ).set_index("day")["n"]
    for day in days:
        assert events[day]["dagster/row_count"] == counts[day], day
        assert events[day]["coverage"] == round(counts[day] / (18 * 288), 4), day
    assert len({events[d]["coverage"] for d in days}) > 1  # the scrape-gap day differs


CHECKS = """
query($path: [String!]!, $name: String!) {
  assetCheckExecutions(assetKey: {path: $path}, checkName: $name, limit: 200) {
    runId
    evaluation { partition success severity }
  }
}
"""


def test_one_check_evaluation_per_day_with_that_days_outcome(ui, demo_home):
    from sre_pipeline.config import load_config
    from sre_pipeline.quality.report import inputs_from_config, quality_report

    answer = ui.graphql(CHECKS, {"path": ["sli_events"], "name": "check_sli_events"})
    evaluations = [e["evaluation"] for e in answer["assetCheckExecutions"] if e["evaluation"]]
    by_day = {e["partition"]: e for e in evaluations}
    assert len(by_day) == len(evaluations) == (END - first_day(demo_home)).days
    warned = {d for d, e in by_day.items() if not e["success"]}
    assert all(by_day[d]["severity"] == "WARN" for d in warned)
    # the same days `sre-pipeline quality` reports with warnings
    os.environ["SRE_PIPELINE_CONFIG"] = str(demo_home / "sre_pipeline.yaml")
    try:
        config = load_config()
    finally:
        del os.environ["SRE_PIPELINE_CONFIG"]
    engine = sa.create_engine(f"sqlite:///{demo_home / 'warehouse.db'}")
    days = [date.fromisoformat(d) for d in sorted(by_day)]
    report = quality_report(engine, inputs_from_config(config), days)
    engine.dispose()
    expected = {r.scope for r in report.runs if r.suite == "sli_events" and r.warnings}
    assert warned == expected and warned  # the demo's scrape gap


RUNS = """
query { runsOrError(limit: 50) { ... on Runs { results {
  runId jobName status repositoryOrigin { repositoryLocationName repositoryName } } } } }
"""
REEXECUTE = """
mutation($parent: String!) {
  launchPipelineReexecution(reexecutionParams: {parentRunId: $parent, strategy: ALL_STEPS}) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
  }
}
"""


def test_a_week_shows_its_own_incident_figures(ui, demo_home):
    """The weekly partition 2026-11-09 (ISO week 2026-W46) carries that week's incidents."""
    budget = materializations(ui, "incident_budget", ["2026-11-09"])["2026-11-09"]
    assert (budget["week"], budget["incidents"]) == ("2026-W46", 4)
    assert "INC-2026-040" in budget["ranked"] and "nan" not in budget["ranked"].lower()
    alerts = materializations(ui, "incident_alerts", ["2026-11-09"])["2026-11-09"]
    assert alerts["week"] == "2026-W46" and alerts["dagster/row_count"] >= alerts["linked"]
    review = materializations(ui, "weekly_review", ["2026-11-09"])["2026-11-09"]
    assert review["week"] == "2026-W46" and review["html"].endswith("/2026-W46/review.html")
    assert (review["breached"], review["at_risk"]) == (1, 2)
    mail = materializations(ui, "review_email", ["2026-11-09"])["2026-11-09"]
    assert mail["transport"] == "outbox" and mail["halted"] == "no"
    tickets = materializations(ui, "reliability_tickets", ["2026-11-09"])["2026-11-09"]
    assert tickets["opened"] >= 5 and tickets["closed"] == 0 and tickets["halted"] == "no"
    assert (
        "open outbox#" in tickets["actions"]
        and "budget-policy:cart-availability" in (tickets["actions"])
    )


def test_demo_runs_are_the_code_locations_and_re_execute(ui, demo_home):
    runs = ui.graphql(RUNS)["runsOrError"]["results"]
    assert {r["jobName"] for r in runs} == {"__ASSET_JOB", "weekly_job"}
    for run in runs:
        assert run["repositoryOrigin"] == {
            "repositoryLocationName": "sre_pipeline.demo.definitions",
            "repositoryName": "__repository__",
        }
        assert run["status"] == "SUCCESS"
    before = {t: warehouse(demo_home, f"SELECT * FROM {t}") for t in ("slo_status", "sli_events")}
    status_run = materializations(ui, "slo_status", [(END - timedelta(1)).isoformat()])
    parent = next(iter(status_run.values()))["run"]
    launched = ui.graphql(REEXECUTE, {"parent": parent})["launchPipelineReexecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status = _wait_for_run(ui, run_id)
    assert status == "SUCCESS", ui.log_tail()
    for table, frame in before.items():  # idempotent: the re-execution changes nothing
        after = warehouse(demo_home, f"SELECT * FROM {table}")
        pd.testing.assert_frame_equal(
            after.sort_values(list(after.columns[:2])).reset_index(drop=True),
            frame.sort_values(list(frame.columns[:2])).reset_index(drop=True),
        )


def _wait_for_run(ui: DagsterDev, run_id: str, timeout: float = 300) -> str:
    query = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = ui.graphql(query, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(1)
    return "TIMEOUT"
