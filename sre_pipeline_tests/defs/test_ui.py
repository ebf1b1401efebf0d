"""The code location in a real ``dagster dev``: GraphQL sees the asset graph, partitions,
jobs, schedules and the sensor, and headless Chromium renders the asset graph page.

``SRE_PIPELINE_UPDATE_DOCS_IMG=1`` also copies the screenshot to ``docs/img/asset-graph.png``
(the README's picture).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from sre_pipeline.config import REPO
from sre_pipeline_tests.defs.contract import (
    ADVISORY_CHECKS,
    ASSET_GROUPS,
    CHECKS,
    DAILY,
    LOCATION,
    SCHEDULES,
    WEEKLY,
)
from sre_pipeline_tests.services.dagster_ui import (
    DagsterDev,
    colour_stats,
    read_png,
    screenshot,
    start_dagster_dev,
)
from sre_pipeline_tests.services.system import require_binary

pytestmark = pytest.mark.slow

REPOSITORY = "__repository__"
DOCS_IMG = REPO / "docs" / "img" / "asset-graph.png"
UPDATE_DOCS_IMG = "SRE_PIPELINE_UPDATE_DOCS_IMG"


def graph_url(base: str) -> str:
    """The global lineage graph with every group expanded (the UI collapses them by default
    when there are several; ``expanded`` takes group ids, global and per-location forms)."""
    groups = sorted(set(ASSET_GROUPS.values()))
    ids = [f"global@global:{g}" for g in groups]
    ids += [f"{REPOSITORY}@{LOCATION}:{g}" for g in groups]
    return f"{base}/asset-groups?{urlencode({'expanded': ','.join(ids)})}"


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory) -> Iterator[DagsterDev]:
    """One ``dagster dev`` for the module, on throwaway Dagster and pipeline homes."""
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("")
    pipeline_home = tmp_path_factory.mktemp("pipeline_home")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SRE_PIPELINE_HOME": str(pipeline_home),
        "SRE_PIPELINE_WAREHOUSE_URL": f"sqlite:///{pipeline_home}/w.db",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("SRE_PIPELINE_CONFIG", None)
    server = start_dagster_dev(REPO, env)
    try:
        yield server
    finally:
        server.stop()


ASSET_NODES = """
query {
  assetNodes {
    assetKey { path }
    groupName
    partitionDefinition { type description }
    assetChecksOrError {
      ... on AssetChecks { checks { name blocking description } }
    }
  }
}
"""


def test_asset_graph_groups_and_partitions(dagster_dev):
    nodes = dagster_dev.graphql(ASSET_NODES)["assetNodes"]
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert set(by_key) == set(ASSET_GROUPS)
    assert {k: n["groupName"] for k, n in by_key.items()} == ASSET_GROUPS
    for key, node in by_key.items():
        partitions = node["partitionDefinition"]
        if key in DAILY:
            assert partitions is not None, key
            assert partitions["type"] == "TIME_WINDOW", key
            assert partitions["description"].startswith("Daily"), (key, partitions)
        elif key in WEEKLY:
            assert partitions is not None and partitions["type"] == "TIME_WINDOW", key
            assert partitions["description"].startswith("Weekly"), (key, partitions)
        else:
            assert partitions is None, (key, partitions)
    # the data-quality checks the UI shows on each asset: blocking, with their description
    checks = {
        c["name"]: (key, c["blocking"], bool(c["description"]))
        for key, node in by_key.items()
        for c in (node["assetChecksOrError"] or {}).get("checks", [])
    }
    assert checks == {
        name: (asset, name not in ADVISORY_CHECKS, True) for name, asset in CHECKS.items()
    }


REPOSITORY_QUERY = """
query {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection {
      nodes {
        name
        location { name }
        jobs { name isAssetJob }
        schedules { name cronSchedule executionTimezone pipelineName }
        sensors { name sensorType }
      }
    }
    ... on PythonError { message stack }
  }
}
"""


def test_jobs_schedules_and_sensor(dagster_dev):
    answer = dagster_dev.graphql(REPOSITORY_QUERY)["repositoriesOrError"]
    assert answer["__typename"] == "RepositoryConnection", answer
    (repo,) = answer["nodes"]
    assert (repo["name"], repo["location"]["name"]) == (REPOSITORY, LOCATION)
    jobs = {j["name"] for j in repo["jobs"]}
    assert {"collection_job", "status_job", "weekly_job"} <= jobs
    schedules = {s["name"]: s for s in repo["schedules"]}
    assert set(schedules) == set(SCHEDULES)
    for name, (cron, job) in SCHEDULES.items():
        assert schedules[name]["cronSchedule"] == cron, name
        assert schedules[name]["pipelineName"] == job, name
        assert schedules[name]["executionTimezone"] == "UTC", name
    sensors = {s["name"]: s["sensorType"] for s in repo["sensors"]}
    assert sensors == {"run_failure_sensor": "RUN_STATUS"}


def test_asset_graph_screenshot(dagster_dev, tmp_path):
    chromium = require_binary("chromium", "chromium")
    # what the "join the community" dialog's Skip button does; it would cover the graph
    assert dagster_dev.graphql("mutation { setNuxSeen }")["setNuxSeen"] is True
    # tall enough for the four groups the initial fit lays out one above the other
    out = screenshot(
        chromium,
        graph_url(dagster_dev.url),
        tmp_path / "asset-graph.png",
        profile=tmp_path / "profile",
        size=(1600, 1300),
    )
    image = read_png(out)
    assert (image.width, image.height) == (1600, 1300)
    colours, not_background = colour_stats(image)
    # a blank page or a lone spinner has a handful of colours on a uniform background; the
    # graph has text, icons and a dozen node cards
    assert colours >= 200, f"only {colours} distinct colours: blank page?"
    assert not_background >= 0.05, f"{not_background:.1%} non-background pixels: blank page?"
    if os.environ.get(UPDATE_DOCS_IMG) == "1":
        DOCS_IMG.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, DOCS_IMG)
