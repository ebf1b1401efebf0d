"""The collector against a real Prometheus serving back-filled history with known truth."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from sre_pipeline.slo.budget.evaluator import Evaluator
from sre_pipeline.slo.model import SLI
from sre_pipeline.sources.collector import SLICollector
from sre_pipeline.sources.prometheus_http import PrometheusClient, PrometheusConfig
from sre_pipeline_tests.services.faulty_proxy import FaultyProxy
from sre_pipeline_tests.slo.factories import make_slo

pytestmark = pytest.mark.slow  # a real Prometheus


def collect(url, slos, start, end, **config):
    cfg = PrometheusConfig(url=url, **{"backoff_s": 0.05, **config})
    with PrometheusClient(cfg) as client:
        return SLICollector(client, concurrency=cfg.concurrency).collect(slos, start, end)


def compare(truth: pd.DataFrame, got: pd.DataFrame) -> pd.DataFrame:
    merged = truth.merge(
        got, on=["slo", "bucket_start"], how="outer", indicator=True, suffixes=("_truth", "_got")
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head(10)
    for col in ("good", "total"):
        np.testing.assert_allclose(merged[f"{col}_got"], merged[f"{col}_truth"], rtol=1e-9)
    return merged


def test_collected_counts_equal_ground_truth_for_every_kind_and_bucket(backfilled):
    result = collect(backfilled.server.url, backfilled.slos, backfilled.start, backfilled.end)
    assert not result.partial and result.dropped_non_finite == 0
    merged = compare(backfilled.truth, result.events)
    kinds = {s.sli.kind for s in backfilled.slos}
    assert kinds == {"events", "latency", "ratio", "probe"}
    assert merged["slo"].nunique() == 18


def test_scrape_gap_gives_absent_buckets_and_reset_keeps_counts(backfilled):
    result = collect(backfilled.server.url, backfilled.slos, backfilled.start, backfilled.end)
    got = result.events
    catalog = got[got.slo == "catalog-availability"]
    assert len(catalog) == 3 * 288 - 24  # the two-hour gap: 24 buckets absent, not zero
    reset = backfilled.end - pd.Timedelta(hours=25)
    search = got[
        (got.slo == "search-availability") & (got.bucket_start == reset - pd.Timedelta("5min"))
    ]
    truth = backfilled.truth
    expected = truth[
        (truth.slo == "search-availability") & (truth.bucket_start == search.bucket_start.iloc[0])
    ]
    assert search.total.iloc[0] == pytest.approx(expected.total.iloc[0])
    assert expected.total.iloc[0] > 0
    # the counters really did reset in Prometheus, and increase() absorbed it
    with PrometheusClient(PrometheusConfig(url=backfilled.server.url)) as client:
        data = client.query(
            'sum(resets(http_requests_total{service="search"}[4d]))', backfilled.end.timestamp()
        )
    assert float(data["result"][0]["value"][1]) == 2  # good and bad series


def test_evaluate_of_collect_equals_evaluate_of_truth(backfilled):
    result = collect(backfilled.server.url, backfilled.slos, backfilled.start, backfilled.end)
    at = backfilled.end
    a = Evaluator(result.events, backfilled.slos, at, at).status(at).drop(columns=["alerts"])
    b = Evaluator(backfilled.truth, backfilled.slos, at, at).status(at).drop(columns=["alerts"])
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def test_chunked_long_range_matches_single_queries(backfilled, monkeypatch):
    monkeypatch.setattr("sre_pipeline.sources.collector.MAX_POINTS", 100)
    slos = [s for s in backfilled.slos if s.id in ("checkout-availability", "api-gateway-uptime")]
    result = collect(backfilled.server.url, slos, backfilled.start, backfilled.end)
    assert result.queries == 2 * 2 * 9  # 864 points per series in chunks of 100
    compare(backfilled.truth[backfilled.truth.slo.isin([s.id for s in slos])], result.events)


def test_unknown_metric_gives_no_data_not_perfect(backfilled):
    ghost = make_slo("ghost-availability").model_copy(
        update={
            "sli": SLI(
                kind="events",
                good_query="sum(rate(nope_total[{{ .window }}]))",
                total_query="sum(rate(nope_total[{{ .window }}]))",
            )
        }
    )
    result = collect(backfilled.server.url, [ghost], backfilled.start, backfilled.end)
    assert not result.partial and result.events.empty
    status = Evaluator(result.events, [ghost], backfilled.end, backfilled.end).status()
    assert status.iloc[0].coverage == 0.0 and np.isnan(status.iloc[0].attainment)


def test_invalid_promql_is_reported_with_the_servers_message_and_others_still_collected(backfilled):
    broken = make_slo("broken-availability").model_copy(
        update={
            "sli": SLI(
                kind="events",
                good_query="sum(rate(x[{{ .window }}]",
                total_query="sum(rate(x[{{ .window }}]))",
            )
        }
    )
    ok = next(s for s in backfilled.slos if s.id == "cart-availability")
    result = collect(backfilled.server.url, [broken, ok], backfilled.start, backfilled.end)
    assert result.partial
    (failure,) = result.failures
    assert failure.slo == "broken-availability" and failure.role == "good"
    assert "parse error" in failure.error and "HTTP 400" in failure.error
    assert set(result.events.slo.unique()) == {"cart-availability"}


def test_503_burst_then_recovery_is_retried(backfilled):
    slos = backfilled.slos[:3]
    with FaultyProxy(backfilled.server.url, fail_first=3, retry_after="0") as proxy:
        result = collect(
            proxy.url, slos, backfilled.start, backfilled.end, concurrency=1, retries=5
        )
    assert not result.partial
    assert proxy.requests == result.requests + 3 == result.queries + 3  # 3 days: one by one
    compare(backfilled.truth[backfilled.truth.slo.isin([s.id for s in slos])], result.events)


def test_slow_server_times_out_with_a_clear_partial_failure(backfilled):
    slos = backfilled.slos[:2]
    with FaultyProxy(backfilled.server.url, delay_s=1.5) as proxy:
        result = collect(
            proxy.url, slos, backfilled.start, backfilled.end, timeout_s=0.3, retries=2
        )
    assert result.partial and {f.slo for f in result.failures} == {s.id for s in slos}
    assert all("timed out after 0.3s" in f.error for f in result.failures)


def test_garbage_answer_is_a_clear_error(backfilled):
    with FaultyProxy(backfilled.server.url, garbage=True) as proxy:
        result = collect(proxy.url, backfilled.slos[:1], backfilled.start, backfilled.end)
    assert "not a Prometheus API response" in result.failures[0].error


def test_prometheus_stopped_in_the_middle_of_a_collection(backfilled, spare_prometheus):
    calls = 0
    lock = threading.Lock()
    real = PrometheusClient.query_range

    def query_range(self, *args, **kwargs):
        nonlocal calls
        with lock:
            calls += 1
            if calls == 10:
                spare_prometheus.stop()
        return real(self, *args, **kwargs)

    PrometheusClient.query_range = query_range
    try:
        result = collect(
            spare_prometheus.url,
            backfilled.slos,
            backfilled.start,
            backfilled.end,
            concurrency=1,
            retries=3,
        )
    finally:
        PrometheusClient.query_range = real
    assert result.partial
    assert all("connection failed" in f.error for f in result.failures)
    collected = set(result.events.slo.dropna().unique())
    assert 1 <= len(collected) <= 5 and len(result.failures) >= 10
    truth = backfilled.truth
    compare(truth[truth.slo.isin(collected)], result.events)


RAW_OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: raw-counters}
spec:
  service: search
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.999}]
  indicator:
    metadata: {name: raw}
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec: {query: 'http_requests_total{service="search",code=~"5.."}'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(http_requests_total{service="search"})'}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: probe-threshold}
spec:
  service: api-gateway
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.999, op: gte, value: 1}]
  indicator:
    metadata: {name: probe}
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec: {query: 'probe_success{job="blackbox",target="https://api.example.com/healthz"}'}
"""


def test_openslo_raw_counters_and_a_threshold_metric_are_collected(backfilled, tmp_path):
    """Queries without {{ .window }}: a counter selector counts its increase per bucket
    (exactly the truth), a counter expression through a subquery (close to it); a threshold
    metric counts its samples per bucket, good when they meet the threshold."""
    from sre_pipeline.slo.spec.loader import load_catalog

    path = tmp_path / "raw.yaml"
    path.write_text(RAW_OPENSLO)
    raw, probe = load_catalog([path]).slos
    result = collect(backfilled.server.url, [raw, probe], backfilled.start, backfilled.end)
    assert not result.partial
    got = result.events.set_index(["slo", "bucket_start"])
    truth = backfilled.truth.set_index(["slo", "bucket_start"])
    search = truth.loc["search-availability"]
    mine = got.loc["search-raw-counters"].reindex(search.index)
    bad = mine["total"] - mine["good"]
    np.testing.assert_allclose(
        bad.to_numpy(), (search["total"] - search["good"]).to_numpy(), rtol=1e-9
    )  # the plain selector: sum(increase(x[5m])), exact
    # sum(...) has no increase() of its own: increase((sum(x))[5m:]) samples it at the
    # evaluation interval, so a bucket is within a few per cent, the total within one
    ratio = (mine["total"] / search["total"]).dropna()
    assert ratio.between(0.7, 1.3).mean() > 0.95
    assert mine["total"].sum() == pytest.approx(search["total"].sum(), rel=0.02)
    samples = got.loc["api-gateway-probe-threshold"]
    assert (samples["good"] <= samples["total"]).all() and samples["total"].max() > 0
    uptime = truth.loc["api-gateway-uptime"]
    share = samples["good"].sum() / samples["total"].sum()
    assert share == pytest.approx(uptime["good"].sum() / uptime["total"].sum(), abs=0.01)
    assert share < 1  # the probe's incidents are seen


def test_batched_queries_give_exactly_the_answers_of_single_queries(backfilled):
    url, slos = backfilled.server.url, backfilled.slos
    start, end = backfilled.start, backfilled.start + pd.Timedelta(days=1)  # 288 points
    with PrometheusClient(PrometheusConfig(url=url)) as client:
        alone = SLICollector(client, batch=1).collect(slos, start, end)
        batched = SLICollector(client, batch=10).collect(slos, start, end)
        longer = SLICollector(client, batch=10).collect(slos[:5], start, backfilled.end)
    assert alone.requests == alone.queries and batched.queries == alone.queries
    assert batched.requests == -(-alone.queries // 10)
    assert longer.requests == longer.queries  # 864 points a query: each alone
    pd.testing.assert_frame_equal(batched.events, alone.events)
    assert (batched.no_data, batched.multi_series, batched.empty_numerators) == (
        alone.no_data,
        alone.multi_series,
        alone.empty_numerators,
    )
    truth = backfilled.truth
    compare(truth[(truth.bucket_start >= start) & (truth.bucket_start < end)], batched.events)


def test_split_answer_gives_each_query_its_series_and_labels_back():
    from sre_pipeline.sources.collector import BATCH_LABEL, batched_query, split_answer
    from sre_pipeline.sources.matrix import Matrix, SeriesData

    query = batched_query(["sum(rate(a[5m]))", "rate(b[5m])"])
    assert query == (
        f'label_replace(sum(rate(a[5m])), "{BATCH_LABEL}", "0", "", "") or '
        f'label_replace(rate(b[5m]), "{BATCH_LABEL}", "1", "", "")'
    )
    t, v = np.array([300]), np.array([1.0])
    answer = Matrix(
        [
            SeriesData({BATCH_LABEL: "1", "job": "x"}, t, v),
            SeriesData({BATCH_LABEL: "1", "job": "y"}, t, v),
        ],
        eval_seconds=0.5,
    )
    first, second = split_answer(answer, 2)
    assert first.series == [] and [s.metric for s in second.series] == [{"job": "x"}, {"job": "y"}]
    assert first.eval_seconds == 0.5 and second.eval_seconds == 0.0
    assert split_answer(Matrix([SeriesData({"job": "x"}, t, v)]), 2) is None  # not ours
