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


def test_demo_search_index_heads_past_80_percent_soon():
    from sre_pipeline.demo.history import simulate_capacity

    end = pd.Timestamp("2026-11-01T00:00Z")
    samples = simulate_capacity(
        load_resources("examples/capacity.yaml"), end - pd.Timedelta(days=28), end
    )
    daily_peak = samples.set_index("ts").groupby("resource").utilisation.resample("1D").max()
    search = daily_peak.loc["search-index-memory"]
    assert search.iloc[0] < 0.6 and 0.7 < search.iloc[-1] < 0.8  # warn now, scale ahead
    assert daily_peak.drop("search-index-memory").max() < 0.7
    from sre_pipeline.capacity.forecast import crossings, fit_trend

    peaks = pd.Series(search.to_numpy(), index=[t.date() for t in search.index])
    last = peaks.index[-1]
    trend = fit_trend(peaks, last, 28)
    (scale,) = crossings(peaks, trend, {"scale": 0.8}, last, 90)
    assert trend.status == "rising" and scale.status == "forecast"
    assert 1 <= (scale.on - last).days <= 14


def test_capacity_plan_fields_and_their_defaults(tmp_path):
    path = tmp_path / "capacity.yaml"
    path.write_text(
        "resources:\n"
        "  - name: a\n    utilisation: up\n"
        "  - name: b\n    utilisation: up\n    team: search\n    headroom_target: 1.5\n"
        "    thresholds: {warn: 0.6, scale: 0.75, emergency: 0.95}\n"
        "    forecast: {lookback: 14d, horizon: 30d}\n"
    )
    a, b = load_resources(path)
    assert (a.thresholds, a.headroom_target, a.lookback_days, a.horizon_days) == (
        (0.7, 0.8, 0.9),
        2.0,
        28,
        90,
    )
    assert (b.team, b.thresholds, b.headroom_target) == ("search", (0.6, 0.75, 0.95), 1.5)
    assert (b.lookback_days, b.horizon_days) == (14, 30)


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            "    headroom_target: 0.5\n",
            "resources[0].headroom_target",
            "greater than or equal to 1",
        ),
        ("    forecast: {lookback: 3d}\n", "resources[0].forecast.lookback", "under a week"),
        ("    forecast: {horizon: 36h}\n", "resources[0].forecast.horizon", "whole number of days"),
        ("    forecast: {horizon: soon}\n", "resources[0].forecast.horizon", "days such as 90d"),
        ("    thresholds: {warn: 0.9, scale: 80}\n", "resources[0].thresholds", "out of order"),
        (
            "    thresholds: {warn: 120}\n",
            "resources[0].thresholds.warn",
            "less than or equal to 100",
        ),
    ],
)
def test_bad_capacity_plan_names_file_line_and_field(tmp_path, extra, field, message):
    path = tmp_path / "capacity.yaml"
    path.write_text("resources:\n  - name: a\n    utilisation: up\n" + extra)
    with pytest.raises(SpecError) as info:
        load_resources(path)
    (problem,) = info.value.problems
    assert f"{path}:4" in str(problem) and f"{field}: " in str(problem), str(problem)
    assert message in str(problem)


def test_an_edited_file_is_read_again_and_a_broken_edit_is_reported(tmp_path):
    path = tmp_path / "capacity.yaml"
    path.write_text("resources:\n  - name: a\n    utilisation: up\n")
    assert [r.name for r in load_resources(path)] == ["a"]
    path.write_text(
        "resources:\n  - name: a\n    utilisation: up\n  - name: b\n    utilisation: up\n"
    )
    assert [r.name for r in load_resources(path)] == ["a", "b"]
    path.write_text("resources:\n  - name: a\n    utilisation: up\n    headroom_target: 0.5\n")
    with pytest.raises(SpecError, match=r"capacity.yaml:4 .*resources\[0\].headroom_target"):
        load_resources(path)
