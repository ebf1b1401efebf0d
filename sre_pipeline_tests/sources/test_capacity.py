"""Capacity resources: config loading and collection from the real Prometheus."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.inputs.problems import SpecError
from sre_pipeline.sources.capacity import collect_capacity, load_resources
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig


def test_example_resources_load():
    resources = {r.name: r for r in load_resources("examples/capacity.yaml")}
    assert set(resources) == {
        "checkout-db-cpu",
        "search-index-memory",
        "api-gateway-connections",
        "notifications-queue",
    }
    queue = resources["notifications-queue"]
    assert queue.capacity_query is None and queue.step.total_seconds() == 60
    assert queue.thresholds == (0.6, 0.75, 0.9)
    assert resources["checkout-db-cpu"].thresholds == (0.7, 0.8, 0.9)


def test_bad_capacity_file_names_file_line_and_field(tmp_path):
    path = tmp_path / "capacity.yaml"
    path.write_text(
        "resources:\n"
        "  - name: a\n    utilisation: up\n    step: 5s\n"
        "  - name: a\n    utilisaton: up\n"
    )
    with pytest.raises(SpecError) as info:
        load_resources(path)
    text = "\n".join(map(str, info.value.problems))
    assert f"{path}:4" in text and "resources[0].step" in text and "below 15s" in text
    assert "unknown key 'utilisaton' (did you mean 'utilisation'?)" in text


def test_collected_capacity_equals_generated_gauges(backfilled):
    cfg = PrometheusConfig(url=backfilled.server.url)
    with PrometheusClient(cfg) as client:
        result = collect_capacity(client, backfilled.resources, backfilled.start, backfilled.end)
    assert not result.partial, result.failures
    merged = backfilled.capacity.merge(
        result.samples,
        on=["resource", "ts"],
        how="outer",
        indicator=True,
        suffixes=("_truth", "_got"),
    )
    assert (merged["_merge"] == "both").all()
    np.testing.assert_allclose(merged.utilisation_got, merged.utilisation_truth, rtol=1e-12)
    np.testing.assert_allclose(merged.capacity_got, merged.capacity_truth, rtol=1e-12)
    queue = result.samples[result.samples.resource == "notifications-queue"]
    assert len(queue) == 3 * 1440 and queue.capacity.isna().all()


def test_demo_search_index_trends_past_80_percent():
    from sre_pipeline.demo.history import simulate_capacity

    end = pd.Timestamp("2026-11-01T00:00Z")
    samples = simulate_capacity(
        load_resources("examples/capacity.yaml"), end - pd.Timedelta(days=28), end
    )
    daily_peak = samples.set_index("ts").groupby("resource").utilisation.resample("1D").max()
    search = daily_peak.loc["search-index-memory"]
    assert search.iloc[0] < 0.7 and search.iloc[-1] > 0.8
    assert daily_peak.drop("search-index-memory").max() < 0.8
